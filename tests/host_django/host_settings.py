"""The Django settings omnicx's own test suite runs under (pytest-django reads them).

The ``default`` database is SQLite. A ``postgres`` database is added when a
PostgreSQL server answers at ``OMNICX_TEST_POSTGRES``; tests that need it
ask for it (``pytest.mark.django_db(databases=["postgres"])``) and the
``postgres_url`` fixture skips them, or fails them under
``OMNICX_REQUIRE_POSTGRES=1``, when it does not.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

SECRET_KEY = "omnicx-tests-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ALLOWED_HOSTS = ["*"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "omnicx.contrib.django",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES: dict[str, dict[str, object]] = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
}


def _postgres() -> dict[str, object] | None:
    url = os.environ.get("OMNICX_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
    except Exception:  # no driver or no server: the tests that need one skip
        return None
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/") or "postgres",
        "USER": parts.username or "postgres",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or 5432),
        # one test database per run, so runs side by side never share one
        "TEST": {"NAME": f"test_omnicx_{os.getpid()}"},
    }


_pg = _postgres()
if _pg is not None:
    DATABASES["postgres"] = _pg
