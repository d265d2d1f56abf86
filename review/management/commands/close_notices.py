"""Close the public notices whose period has ended (Art. 6): run daily (cron), idempotent.

Recognises every listed alliance with no objection pending or upheld, sends back to the
Party group those with an upheld one, holds those with a pending one and tells the bureau
(once a day per file). Prints one summary line; ``--dry-run`` changes nothing.
"""

from django.core.management.base import BaseCommand

from review.closing import close_notices


class Command(BaseCommand):
    help = "Close the public notices whose period has ended (idempotent; one summary line)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        self.stdout.write(close_notices(dry_run=dry_run).line())
