from django.apps import AppConfig


class GameConfig(AppConfig):
    name = "game"
    verbose_name = "Game event log"

    def ready(self) -> None:
        from game import rights

        rights.connect()
