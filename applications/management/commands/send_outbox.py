"""Send the mails of the outbox that are queued (``applications.outbox``).

A mail is sent right after the transaction that queued it commits; one that could not be
(the SMTP server down) stays queued with its error, and this command tries it again. Run it
every few minutes by cron. Idempotent: a mail once sent is never sent again, and two runs at
the same time do not send one mail twice. Drafts (decision letters) are not sent until staff
release them.
"""

from django.core.management.base import BaseCommand, CommandError

from applications.outbox import SEND_LIMIT, send_pending, still_queued


class Command(BaseCommand):
    help = "Send the queued mails of the outbox, fewest attempts first (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=SEND_LIMIT, help=f"Send at most this many (default {SEND_LIMIT})."
        )

    def handle(self, *args, limit=SEND_LIMIT, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        sending = send_pending(limit=limit)
        self.stdout.write(f"sent {sending.sent}, failed {sending.failed}, still queued {still_queued()}")
