"""The API's one request parser: JSON, with every way the decoder can give up turned into a 400."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser, but a document nested too deeply is a 400 too (DRF lets RecursionError out as a 500)."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except LookupError:  # an unknown charset in Content-Type
            raise ParseError("JSON parse error - unknown charset in Content-Type; send UTF-8.") from None
