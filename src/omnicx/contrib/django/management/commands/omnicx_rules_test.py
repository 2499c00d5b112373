"""``manage.py omnicx_rules_test CASES``: run a case file against the configured rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omnicx.contrib.django.desk import get_settings
from omnicx.errors import OmnicxError
from omnicx.routing import check_case, load_cases


class Command(BaseCommand):
    """``omnicx rules test`` on ``OMNICX["RULES"]``, with the project's calendars."""

    help = "Run a rule case file (docs/testing-rules.md) against OMNICX['RULES']."

    def add_arguments(self, parser: CommandParser) -> None:
        """``CASES``: the case file."""
        parser.add_argument("cases", type=Path, help="a case file (TOML, YAML or JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        """Print PASS or FAIL per case, with the mismatches and trace; fail if any failed."""
        try:
            engine = get_settings().rules
            if engine is None:
                raise CommandError("OMNICX['RULES'] is not set: there are no rules to test")
            cases = load_cases(options["cases"])
        except OSError as error:
            raise CommandError(
                f"{options['cases']}: can't read the file ({error.strerror})"
            ) from None
        except OmnicxError as error:
            raise CommandError(f"{options['cases']}: {error}") from None
        failed = 0
        for case in cases:
            result = check_case(engine, case)
            if result.passed:
                self.stdout.write(f"PASS {case.name}")
                continue
            failed += 1
            self.stdout.write(f"FAIL {case.name}")
            for line in result.mismatches:
                self.stdout.write(f"  {line}")
            self.stdout.write("  trace:")
            for line in str(result.trace).splitlines():
                self.stdout.write(f"    {line}")
        self.stdout.write(f"{len(cases) - failed} passed, {failed} failed")
        if failed:
            raise CommandError(f"{failed} rule case(s) failed")
