"""The default rating scale, for tests whose database was flushed (transactional and live-server tests):
migration 0018 seeds it once, and a flush empties the table."""

from __future__ import annotations

from claims.models import Rating
from claims.models.ratings import DEFAULT_SCALE


def default_scale() -> dict[str, Rating]:
    """The default scale's ratings by slug, created when missing."""
    out = {}
    for position, (slug, label, value, summary) in enumerate(DEFAULT_SCALE, start=1):
        out[slug], _ = Rating.objects.get_or_create(
            slug=slug,
            defaults={
                "label": label,
                "alternate_name": label,
                "rating_value": value,
                "summary": summary,
                "position": position * 10,
            },
        )
    return out
