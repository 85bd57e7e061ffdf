"""Settings for the test suite: the production settings, with a fast password hasher.

Every persona in tests/conftest.py is a real user with a password; PBKDF2's deliberate
slowness would cost seconds per test and test nothing of ours.
"""

from workbench.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Transactional tests empty every table between tests with TRUNCATE, which the append-only
    # tables refuse unless the session says the wipe is deliberate (workbench/dbtriggers.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c workbench.allow_truncate=on"  # noqa: F405
# Pages link plain static names: the suite never runs collectstatic (tests/test_production.py does, in its own process).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
# WhiteNoise serves collectstatic's output, which the suite never makes (it would warn on every start).
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405
# Tests change claims and ask the queue at once: rank on every request (tests/claims/services/test_queue_ranking.py
# turns the shared ranking on).
QUEUE_RANKING_SECONDS = 0
