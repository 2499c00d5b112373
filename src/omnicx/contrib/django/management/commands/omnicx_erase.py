"""``manage.py omnicx_erase CUSTOMER --actor ID --reason TEXT``: erase one customer."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omnicx.contrib.django.desk import get_desk
from omnicx.errors import OmnicxError
from omnicx.privacy import erase_customer


class Command(BaseCommand):
    """``omnicx.privacy.erase_customer`` on the project's store, audited."""

    help = "Erase a customer and every profile merged into it (docs/privacy.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        """``CUSTOMER``, ``--actor``, ``--reason``, ``--no-tombstone``."""
        parser.add_argument("customer", help="the customer id")
        parser.add_argument("--actor", required=True, help="who erases (for the audit log)")
        parser.add_argument("--reason", required=True, help="why (for the audit log)")
        parser.add_argument(
            "--no-tombstone", action="store_true", help="keep no digest of the erased identifiers"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Erase in one transaction and print what was erased."""
        desk = get_desk()
        try:
            report = erase_customer(
                desk.store, options["customer"], now=desk.clock.now(), actor=options["actor"],
                reason=options["reason"], tombstone=not options["no_tombstone"],
            )  # fmt: skip
        except OmnicxError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"erased {', '.join(report.customer_ids)}: {report.identifiers} identifier(s), "
            f"{report.events} event(s), {report.conversations} conversation(s)"
        )
