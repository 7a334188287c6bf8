from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the addresses a facilitator needs: the console, and where phones join."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Console:  {settings.PUBLIC_URL}/console/")
        self.stdout.write(
            f"Join URL: {settings.PUBLIC_URL}/  (phones on this network; QR on the screen)"
        )
