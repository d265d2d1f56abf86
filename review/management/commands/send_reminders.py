"""Send the reminders due today (issue 11 §3): run daily (cron), idempotent.

Each reminder goes once, whatever how often this runs; prints one summary line;
``--dry-run`` changes nothing.
"""

from django.core.management.base import BaseCommand

from review.reminders import send_reminders


class Command(BaseCommand):
    help = "Send the reminders due today through the outbox (idempotent; one summary line)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be sent; send nothing.")

    def handle(self, *args, dry_run=False, **options):
        self.stdout.write(send_reminders(dry_run=dry_run).line())
