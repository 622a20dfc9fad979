"""`readerfund manage payments reconcile [--hours N]` | `import-statement FILE…` | the
providers' own subcommands (e.g. Stripe's `stripe-setup [--url URL] [--check]`)."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from readerfund.payments.providers.base import ProviderCommand
from readerfund.payments.reconcile import payments_reconcile
from readerfund.payments.registry import providers_all
from readerfund.payments.statements.entries import StatementRefused
from readerfund.payments.statements.services import statement_import

# Stripe retries a failed webhook for three days: past that, only reconciliation brings
# an event in. Run it (e.g. hourly from cron) with a window at least as long.
DEFAULT_HOURS = 72


class Command(BaseCommand):
    help = "Payment ledger upkeep."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        reconcile = actions.add_parser(
            "reconcile", help="apply provider events that no webhook delivered"
        )
        reconcile.add_argument(
            "--hours",
            type=int,
            default=DEFAULT_HOURS,
            help=f"how far back to look (default: {DEFAULT_HOURS})",
        )

        statement = actions.add_parser(
            "import-statement",
            help="credit bank transfers from MT940 or camt.053/camt.054 statement files",
        )
        statement.add_argument("files", nargs="+", type=Path, metavar="FILE")
        self.provider_commands: dict[str, ProviderCommand] = {}
        for provider in providers_all():
            for command in provider.commands():
                command.add_arguments(actions.add_parser(command.name, help=command.help))
                self.provider_commands[command.name] = command

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import-statement":
            self._statements_import(options["files"])
            return
        if options["action"] in self.provider_commands:
            self.provider_commands[options["action"]].run(options, self.stdout)
            return
        hours = options["hours"]
        if hours <= 0:
            raise CommandError("--hours must be a positive number of hours")
        report = payments_reconcile(since=timezone.now() - timedelta(hours=hours))
        self.stdout.write(
            f"reconciled the last {hours} h: {report.events_seen} events, "
            f"{report.events_applied} newly applied, {report.events_known} already known, "
            f"{report.events_deferred} deferred; "
            f"{report.contributions_created} contributions recorded"
        )
        if report.unavailable:
            # Non-zero exit, so cron or a monitor notices; the next run tries again.
            raise CommandError("not reachable: " + ", ".join(report.unavailable))

    def _statements_import(self, files: list[Path]) -> None:
        refused = []
        for path in files:
            try:
                report = statement_import(data=path.read_bytes(), filename=path.name)
            except (OSError, StatementRefused) as error:
                # Each file is all or nothing; the others are still imported.
                self.stderr.write(f"{path}: refused, nothing imported: {error}")
                refused.append(str(path))
                continue
            self.stdout.write(
                f"{path}: {report.format}, {report.entries} entries "
                f"({report.debits} debits, {report.known} credits imported before); "
                f"{report.credited} transfers credited, {report.standing_orders} standing "
                f"order payments, {report.to_review} to review"
            )
            for entry in report.reviews:
                self.stdout.write(
                    f"  review: {entry.booked_on} {entry.amount} {entry.currency} "
                    f"{entry.reference or '-'} ({entry.get_reason_display()})"
                )
        if refused:
            raise CommandError("refused: " + ", ".join(refused))
