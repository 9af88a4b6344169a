"""Import a clinic's licensed wording for a copyrighted instrument (ODI, STarT Back, RMDQ).

The file is JSON: {"intro": "...", "items": {"<item key>": {"text": "...", "options":
["...", ...]}}}. `--template` prints an empty one with every key, to fill from the licensed copy.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from physiofit.intake import instruments, services

MAX_BYTES = 512 * 1024


class Command(BaseCommand):
    help = "Import licensed wording for an instrument, or print a template to fill in."

    def add_arguments(self, parser):
        parser.add_argument("instrument", help="odi, start_back or rmdq")
        parser.add_argument("file", nargs="?", help="the JSON file with the wording")
        parser.add_argument(
            "--template", action="store_true", help="print an empty wording file and stop"
        )

    def handle(self, *args, instrument, file=None, template=False, **options):
        try:
            definition = instruments.get(instrument)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if template:
            items = {
                item.key: {
                    "text": "",
                    **({"options": [""] * len(item.options)} if item.options else {}),
                }
                for item in definition.items
            }
            self.stdout.write(json.dumps({"intro": "", "items": items}, indent=2))
            return
        if not file:
            raise CommandError("Give the wording file, or --template to print one.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError("The file is larger than 512 KB; is it the right one?")
        try:
            wording = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"The file is not valid JSON: {error}") from None
        if not isinstance(wording, dict):
            raise CommandError("The file must hold one JSON object.")
        try:
            services.wording_import(instrument=instrument, wording=wording, source=path.name)
        except services.IntakeError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"Imported the wording of the {definition.name}; staff can now send it to patients."
        )
