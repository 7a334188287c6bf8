from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from workshop.archive import ArchiveError, import_archive, parse


class Command(BaseCommand):
    help = (
        "Import a workshop archive as a new workshop (new room code) owned by --owner. "
        "Prints the new room code."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the archive (.json)")
        parser.add_argument("--owner", required=True, help="username of the new owner")

    def handle(self, *args, file: str, owner: str, **options) -> None:
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"There is no user called {owner!r}.")
        self.stderr.write("checking the archive against the game's rules…")
        try:
            with open(file, "rb") as source:
                archive = parse(source)  # reads it, and lets go of the bytes once parsed
        except OSError as problem:
            raise CommandError(f"Cannot read {file}: {problem.strerror}.") from None
        except ArchiveError as problem:
            raise CommandError(f"{file} was not imported: {problem}") from None
        try:
            workshop = import_archive(archive, user, progress=self._progress)
        except ArchiveError as problem:
            raise CommandError(f"{file} was not imported: {problem}") from None
        self.stderr.write("")
        self.stdout.write(workshop.code)

    def _progress(self, done: int, total: int) -> None:
        self.stderr.write(f"\rimported {done}/{total} events", ending="")
