"""Ship our own standard instrument, version 1, from the item bank."""

from django.db import migrations

from surveys.item_bank import STANDARD_NAME, STANDARD_V1


def create(apps, schema_editor):
    Instrument = apps.get_model("surveys", "Instrument")
    Item = apps.get_model("surveys", "Item")
    instrument, created = Instrument.objects.get_or_create(
        workspace=None, name=STANDARD_NAME, version=1
    )
    if not created:
        return
    Item.objects.bulk_create(
        Item(
            instrument=instrument,
            key=entry["key"],
            subdimension=entry["subdimension"],
            text_da=entry["da"],
            text_sv=entry["sv"],
            text_en=entry["en"],
            reverse=False,
            allow_dont_know=entry["allow_dont_know"],
            core=entry["core"],
            position=position,
        )
        for position, entry in enumerate(STANDARD_V1)
    )


def remove(apps, schema_editor):
    apps.get_model("surveys", "Instrument").objects.filter(
        workspace=None, name=STANDARD_NAME, version=1
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
