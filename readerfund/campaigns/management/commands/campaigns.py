"""`readerfund campaigns dump` / `readerfund campaigns load FILE`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from readerfund.campaigns.files import CampaignFileError, campaigns_dump, campaigns_load


class Command(BaseCommand):
    help = "Write every live and draft campaign as YAML, or load such a file (all or nothing)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        dump = actions.add_parser("dump", help="write campaigns as YAML")
        dump.add_argument("--output", "-o", help="file to write (default: standard output)")
        load = actions.add_parser("load", help="create or update campaigns from a YAML file")
        load.add_argument("file", help="the YAML file, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "dump":
            text = campaigns_dump()
            if options.get("output"):
                Path(options["output"]).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        source = options["file"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot read {source}: {error.strerror}") from error
        try:
            result = campaigns_load(text=text)
        except CampaignFileError as error:
            raise CommandError(
                f"{source} was not loaded; nothing changed:\n  " + "\n  ".join(error.errors)
            ) from error
        self.stdout.write(
            f"loaded {source}: {len(result.created)} created, {len(result.updated)} updated"
        )
