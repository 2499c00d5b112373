"""``manage.py runserver``, which first applies migrations and, on a new database, the sample.

So a newcomer's two commands (install, runserver) open a working inbox.
Set ``SHOP_NO_SAMPLE=1`` to start empty.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.commands.runserver import Command as RunServer

from omnicx.contrib.django.desk import get_desk


class Command(RunServer):
    """Django's runserver after ``migrate`` (and ``shop_sample`` into an empty desk)."""

    def inner_run(self, *args: Any, **options: Any) -> None:
        """Migrate, load the sample once, then serve."""
        call_command("migrate", interactive=False, verbosity=0)
        if os.environ.get("SHOP_NO_SAMPLE") != "1" and not get_desk().inbox().records:
            call_command("shop_sample", stdout=self.stdout)
        super().inner_run(*args, **options)
