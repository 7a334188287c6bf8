import getpass
import secrets
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create a facilitator account if there is none: asks when interactive, else prints one."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="facilitator")
        parser.add_argument("--no-input", action="store_true", help="Never ask; print a login.")

    def handle(self, *args, username: str, no_input: bool, **options) -> None:
        users = get_user_model()
        if users.objects.filter(is_staff=True).exists():
            self.stdout.write("A facilitator account exists already.")
            return
        if not no_input and sys.stdin.isatty():
            username = input(f"Facilitator username [{username}]: ").strip() or username
            password = getpass.getpass("Password (8 characters or more): ")
            if len(password) < 8:
                raise CommandError("The password needs 8 characters or more.")
            users.objects.create_superuser(username=username, password=password, email="")
            self.stdout.write(f"Facilitator account {username!r} created.")
            return
        password = secrets.token_urlsafe(9)
        users.objects.create_superuser(username=username, password=password, email="")
        self.stdout.write(f"Facilitator login  user: {username}  password: {password}")
        self.stdout.write("(Shown once. Change it in the admin, or create others there.)")
