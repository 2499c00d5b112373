#!/usr/bin/env python
"""The shop's command line: ``python manage.py runserver`` serves it (see README.md)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run a Django management command with the shop's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
