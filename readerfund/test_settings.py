"""Settings for the test suite: the real settings with a throwaway data directory."""

import os
import tempfile

os.environ["READERFUND_ENV"] = "demo"
os.environ.setdefault("READERFUND_DATA_DIR", tempfile.mkdtemp(prefix="readerfund-test-"))
os.environ.setdefault("SECRET_KEY", "readerfund-tests-only")
os.environ["READERFUND_DEMO_SITE"] = "true"

from readerfund.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test server serves static files through the finders; no collectstatic needed.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (whitenoise warns when missing)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: concurrent writers then wait on the lock (WAL and a
    # busy timeout) exactly as they do in a real installation.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
