"""``manage.py omnicx_timeline CUSTOMER``: one customer's unified timeline."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omnicx import serde
from omnicx.cli._demo import _describe
from omnicx.contrib.django.desk import get_desk
from omnicx.errors import OmnicxError


class Command(BaseCommand):
    """Print a customer's timeline, every channel in one story, oldest first."""

    help = "Print one customer's unified timeline (every channel, oldest first)."

    def add_arguments(self, parser: CommandParser) -> None:
        """``CUSTOMER`` and ``--json``."""
        parser.add_argument("customer", help="the customer id (a merged-away id works too)")
        parser.add_argument("--json", action="store_true", help="one JSON event per line")

    def handle(self, *args: Any, **options: Any) -> None:
        """Print each event: instant, conversation, what happened."""
        try:
            events = get_desk().timeline(options["customer"])
        except OmnicxError as error:
            raise CommandError(str(error)) from None
        for event in events:
            if options["json"]:
                self.stdout.write(json.dumps(serde.event_to_dict(event), sort_keys=True))
            else:
                when = event.at.isoformat()
                self.stdout.write(f"{when}  {event.conversation_id or '-'}  {_describe(event)}")
