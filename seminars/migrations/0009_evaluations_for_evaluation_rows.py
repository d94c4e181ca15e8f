"""Evaluation rows made before seminar evaluations existed get their evaluation."""

from django.db import migrations


def forwards(apps, schema_editor):
    Activity = apps.get_model("seminars", "Activity")
    Evaluation = apps.get_model("seminars", "Evaluation")
    for activity in Activity.objects.filter(kind="evaluation", evaluation__isnull=True):
        Evaluation.objects.create(activity=activity)


class Migration(migrations.Migration):
    dependencies = [("seminars", "0008_seminar_evaluations")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
