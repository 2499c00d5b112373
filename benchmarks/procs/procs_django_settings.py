"""The Django settings each worker of ``benchmarks/run procs --store django-*`` reads.

The harness replaces ``DATABASES`` with the run's own database.
"""

SECRET_KEY = "omnicx-benchmarks-only"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = ["omnicx.contrib.django"]
DATABASES: dict[str, dict[str, object]] = {}
