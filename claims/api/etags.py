"""ETags of versioned objects (claims, duplicate groups) and the If-Match preconditions of their writes.

An ETag is ``"<kind>-<id>-v<version>"``: it changes whenever a service bumps the
object's ``version``, and it names the object, so an ETag sent to the wrong object
is refused (412) instead of passing by accident.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from claims.api.errors import PreconditionFailed, PreconditionRequired
from claims.models import Claim, DuplicateGroup

_ETAG = re.compile(r'^"(?P<kind>[a-z]+)-(?P<pk>\d+)-v(?P<version>\d+)"$')


def etag(kind: str, pk: int, version: int) -> str:
    return f'"{kind}-{pk}-v{version}"'


def expected_version(if_match: str | None, *, kind: str, pk: int, source: str) -> int | None:
    """The version an If-Match header expects, or None when there is no precondition.

    ``*`` only requires that the object exists. A weak tag (``W/"…"``) never matches: If-Match
    compares strongly (RFC 9110 13.1.1), so it is a 412, as for any other tag that does not
    match. ``source`` names the read that serves the ETag, for the error message.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    if if_match.strip().startswith("W/"):
        raise PreconditionFailed(
            f"If-Match compares strong ETags only; send the ETag of GET {source} without W/.", code="weak_etag"
        )
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise ValidationError({"If-Match": [f"Send the ETag of GET {source} unchanged, or *."]})
    if match["kind"] != kind or int(match["pk"]) != pk:
        raise PreconditionFailed(f"If-Match is the ETag of {match['kind']} {match['pk']}, not of {kind} {pk}.")
    return int(match["version"])


def required_version(request: Request, *, kind: str, pk: int, source: str) -> int | None:
    """As ``expected_version``, for a write that must carry If-Match (428 without it)."""
    if_match = request.headers.get("If-Match")
    if if_match is None:
        raise PreconditionRequired(f"Send If-Match with the {kind}'s ETag (from GET {source}), or * to skip the check.")
    return expected_version(if_match, kind=kind, pk=pk, source=source)


@dataclass(frozen=True, slots=True)
class Versioned:
    """A kind of object whose writes carry If-Match with its ETag: one place for its ETag,
    its precondition, its schema parameter and the 412 its services' stale error becomes."""

    kind: str
    source: str  # the read that serves the ETag, named in messages and the schema
    stale: type[Exception]  # what the services raise when the expected version is not the current one

    def etag(self, obj: Claim | DuplicateGroup) -> str:
        return etag(self.kind, obj.pk, obj.version)

    def required_version(self, request: Request, pk: int) -> int | None:
        return required_version(request, kind=self.kind, pk=pk, source=self.source)

    @contextmanager
    def stale_is_412(self) -> Iterator[None]:
        try:
            yield
        except self.stale as exc:
            raise PreconditionFailed(str(exc), code="stale_version") from exc

    def if_match(self, outcome: str) -> OpenApiParameter:
        """The If-Match header of a write whose ``outcome`` happens only on the current version."""
        return OpenApiParameter(
            "If-Match",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            required=True,
            description=(
                f"ETag of the {self.kind} from GET {self.source}. {outcome} only if the {self.kind} "
                "is unchanged since; otherwise 412. Required (428 without it); `*` skips the version check."
            ),
        )
