"""Every seminar gets its room code now, not at its first round; board rows get a board."""

import secrets

from django.db import migrations

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # surveys.models.ROOM_CODE_ALPHABET at the time
KIND_BY_NUMBER = {1: "good_examples", 2: "improvement_areas", 3: "wins"}


def forwards(apps, schema_editor):
    Seminar = apps.get_model("seminars", "Seminar")
    Round = apps.get_model("surveys", "Round")
    Board = apps.get_model("seminars", "Board")
    Activity = apps.get_model("seminars", "Activity")
    taken = set(Seminar.objects.exclude(room_code="").values_list("room_code", flat=True))
    taken |= set(Round.objects.exclude(room_code="").values_list("room_code", flat=True))
    for seminar in Seminar.objects.filter(room_code=""):
        code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        while code in taken:
            code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        taken.add(code)
        seminar.room_code = code
        seminar.save(update_fields=["room_code"])
    for activity in Activity.objects.filter(kind="board", board__isnull=True).select_related(
        "seminar"
    ):
        kind = KIND_BY_NUMBER.get(activity.seminar.number, "good_examples")
        Board.objects.create(activity=activity, kind=kind, voting=kind == "improvement_areas")


class Migration(migrations.Migration):
    dependencies = [
        ("seminars", "0004_boards_and_seats"),
        ("surveys", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
