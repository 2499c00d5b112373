"""``manage.py omnicx_export CUSTOMER --actor ID --reason TEXT``: one customer's data as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omnicx.contrib.django.desk import get_desk
from omnicx.errors import OmnicxError
from omnicx.privacy import export_customer, export_document


class Command(BaseCommand):
    """``omnicx.privacy.export_customer`` as the versioned export document, audited."""

    help = "Export everything omnicx holds about a customer (docs/privacy.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        """``CUSTOMER``, ``--actor``, ``--reason``, ``-o FILE``."""
        parser.add_argument("customer", help="the customer id (a merged-away id works too)")
        parser.add_argument("--actor", required=True, help="who exports (for the audit log)")
        parser.add_argument("--reason", required=True, help="why (for the audit log)")
        parser.add_argument("-o", "--output", type=Path, help="write here instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        """Write the export document (``omnicx.customer-export``)."""
        desk = get_desk()
        try:
            export = export_customer(
                desk.store, options["customer"], now=desk.clock.now(), actor=options["actor"],
                reason=options["reason"],
            )  # fmt: skip
        except OmnicxError as error:
            raise CommandError(str(error)) from None
        text = json.dumps(export_document(export), indent=2, sort_keys=True, ensure_ascii=False)
        output = options["output"]
        if output is None:
            self.stdout.write(text)
            return
        try:
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{output}: can't write the file ({error.strerror})") from None
        self.stdout.write(f"wrote {output}")
