"""Helpers shared by the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django.http import StreamingHttpResponse


def streamed_text(response: Any) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(cast(Iterator[bytes], response.streaming_content)).decode()
