"""Settings of the example shop: Django's minimum, and one ``OMNICX`` dict.

Secrets come from the environment (``*_env``); for the demo each has a
default set here, so ``manage.py runserver`` works with nothing exported.
In production export real ones and delete the defaults.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Where the shop keeps its databases; the tests point it at a scratch directory.
DATA_DIR = Path(os.environ.get("SHOP_DATA_DIR", BASE_DIR))

SECRET_KEY = os.environ.get("SHOP_SECRET_KEY", "demo-only-not-secret")
DEBUG = os.environ.get("SHOP_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "omnicx.contrib.django",
    "shop",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "db.sqlite3"},
}

# Demo secrets: what the sample webhooks are signed with (shop_sample).
DEMO_SECRETS = {
    "SHOP_WHATSAPP_APP_SECRET": "demo-whatsapp-secret",
    "SHOP_WHATSAPP_VERIFY_TOKEN": "demo-verify-token",
    "SHOP_EMAIL_SECRET": "demo-email-secret",
    "SHOP_SHOPIFY_SECRET": "demo-shopify-secret",
}
for _name, _value in DEMO_SECRETS.items():
    os.environ.setdefault(_name, _value)

# No "STORE": omnicx keeps its tables in the shop's own database (DjangoStore).
OMNICX = {
    "RULES": BASE_DIR / "shop" / "rules.yaml",
    "SLA": "shop.support.sla",
    "CHANNELS": {
        "whatsapp": {
            "phone_number_id": "106540352242922",
            "app_secret_env": "SHOP_WHATSAPP_APP_SECRET",
            "verify_token_env": "SHOP_WHATSAPP_VERIFY_TOKEN",
        },
        "email": {"secret_env": "SHOP_EMAIL_SECRET"},
        "shopify": {"secret_env": "SHOP_SHOPIFY_SECRET"},
    },
    "REDACTION": {"*": {"cards": True, "ibans": True, "emails": False, "phones": False}},
    "SENDER": "shop.support.send",
}
