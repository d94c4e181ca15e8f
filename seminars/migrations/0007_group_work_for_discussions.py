"""Discussion rows made before group work existed get their group work."""

from django.db import migrations


def forwards(apps, schema_editor):
    Activity = apps.get_model("seminars", "Activity")
    GroupWork = apps.get_model("seminars", "GroupWork")
    for activity in Activity.objects.filter(kind="discussion", group_work__isnull=True):
        GroupWork.objects.create(activity=activity, headings=[])


class Migration(migrations.Migration):
    dependencies = [("seminars", "0006_group_work")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
