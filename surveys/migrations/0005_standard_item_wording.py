"""Correct the Swedish wording of the standard instrument's bridging item.

Only the language changes, not what the item asks, so answers given before and after stay
comparable. The texts are copied here rather than imported from surveys.item_bank, so this
migration does the same thing however the item bank changes later. A row is changed only
while it still holds the shipped text; workspaces' own versions are left as they are.
"""

from django.db import migrations

STANDARD_NAME = "Social capital temperature"

# (item key, language, shipped text, corrected text)
CORRECTIONS = [
    (
        "cbr-other-teams",
        "sv",
        "Samarbetet med de andra arbetsgrupper och yrkesgrupper vi är beroende av fungerar bra.",
        "Samarbetet med de andra arbetsgrupperna och yrkesgrupperna som vi är beroende av "
        "fungerar bra.",
    ),
]


def _apply(apps, *, forwards: bool) -> None:
    Item = apps.get_model("surveys", "Item")
    standard = Item.objects.filter(
        instrument__workspace__isnull=True, instrument__name=STANDARD_NAME, instrument__version=1
    )
    for key, language, shipped, corrected in CORRECTIONS:
        old, new = (shipped, corrected) if forwards else (corrected, shipped)
        standard.filter(key=key, **{f"text_{language}": old}).update(**{f"text_{language}": new})


def correct(apps, schema_editor):
    _apply(apps, forwards=True)


def restore(apps, schema_editor):
    _apply(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0004_events")]
    operations = [migrations.RunPython(correct, restore)]
