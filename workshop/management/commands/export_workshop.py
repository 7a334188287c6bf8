import sys

from django.core.management.base import BaseCommand, CommandError

from workshop.exports import archive_lines
from workshop.models import Workshop


class Command(BaseCommand):
    help = "Write a workshop's archive (its event log and scenario cards) as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("code", help="the workshop's room code")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, code: str, output: str | None = None, **options) -> None:
        workshop = Workshop.objects.filter(code=code.upper()).first()
        if workshop is None:
            raise CommandError(f"There is no workshop with the room code {code!r}.")
        total, lines = archive_lines(workshop)
        out = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            for n, line in enumerate(lines):
                out.write(line)
                # Line 0 is the header; each later line but the last holds one event.
                if n % 1000 == 0 or n > total:
                    self.stderr.write(f"\rexported {min(n, total)}/{total} events", ending="")
        finally:
            if output:
                out.close()
        self.stderr.write("")
