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
