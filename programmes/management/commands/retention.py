"""The daily data run: programmes past their retention are deleted, marked ones purged, and
what expires on its own is cleared (`programmes.retention`). Run it once a day, e.g. from cron
or a scheduled task: `python manage.py retention`."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from programmes import retention


class Command(BaseCommand):
    help = "Delete programmes past their retention, purge deleted ones, clear expired data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--budget",
            type=float,
            default=None,
            help="Seconds to spend purging; what is left waits for the next run.",
        )

    def handle(self, *args, budget=None, **options):
        done = retention.run(budget=budget)
        self.stdout.write(
            f"programmes past retention: {len(done.marked)}; purged: {len(done.purged)}; "
            f"left for the next run: {len(done.unfinished)}; expired counters: "
            f"{done.counters}; stale drafts: {done.drafts}; display links: "
            f"{done.display_links}; invitations: {done.invitations}; expired sessions cleared: "
            f"{'yes' if done.sessions else 'not needed'}"
        )
