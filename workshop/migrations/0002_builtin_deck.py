from django.db import migrations

from workshop.decks import load_builtin_deck


def load(apps, schema_editor):
    load_builtin_deck(apps.get_model("workshop", "Deck"), apps.get_model("workshop", "Scenario"))


class Migration(migrations.Migration):
    dependencies = [("workshop", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
