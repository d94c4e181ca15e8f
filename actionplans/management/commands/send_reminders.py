"""Send the reminders that are due today (run it daily from a timer)."""

from django.core.management.base import BaseCommand

from actionplans import reminders


class Command(BaseCommand):
    help = "E-mail the reminders that are due: plans before follow-up seminars, open rounds."

    def handle(self, *args, **options):
        sent = reminders.send_due()
        self.stdout.write(
            f"Reminders sent: {sent.seminars} before seminars, {sent.rounds} for open rounds."
        )
