"""Static file storage for DEBUG=0: content-hashed, compressed names after `collectstatic`, and
plain names before it, so a missing manifest costs the cache headers, never every page.

Without this fallback, a page (and the 500 page, which links the stylesheet too) raises
"Missing staticfiles manifest entry" until collectstatic has run. WhiteNoise also finds the
plain files where they live (WHITENOISE_USE_FINDERS), so they are served either way.
"""

from __future__ import annotations

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class ManifestOrPlainStorage(CompressedManifestStaticFilesStorage):
    """CompressedManifestStaticFilesStorage that links a file by its plain name when the manifest lacks it."""

    warned = False  # once per process: WhiteNoise asks for every file at start-up

    def stored_name(self, name: str) -> str:
        try:
            return str(super().stored_name(name))
        except ValueError:
            if not ManifestOrPlainStorage.warned:
                ManifestOrPlainStorage.warned = True
                logger.warning("static files are not in the manifest (%s, …): run `manage.py collectstatic`", name)
            return name
