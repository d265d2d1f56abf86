"""Lapse the alliances that owed an annual report and have none on time (Art. 8: 视为自动放弃):
run daily (cron), idempotent. From the day after the deadline, every alliance that owed the
report and has none submitted on time moves to LAPSED (``review.annual.enforce``); its lead
unit gets a letter. Prints one summary line; ``--dry-run`` changes nothing. An alliance whose
lapse fails is logged and counted, the others go on, and the command exits nonzero.
"""

from django.core.management.base import BaseCommand, CommandError

from review.annual import enforce


class Command(BaseCommand):
    help = "Lapse the alliances without an annual report on time (idempotent; one summary line)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done; change nothing.")
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="The report's year (default: the last one past its deadline).",
        )

    def handle(self, *args, dry_run=False, year=None, **options):
        result = enforce(dry_run=dry_run, year=year)
        self.stdout.write(result.line())
        if result.failed:
            # The others were lapsed; a nonzero exit tells cron that some were not.
            raise CommandError(f"{len(result.failed)} lapse(s) failed; see the log")
