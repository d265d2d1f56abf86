"""Delete sign-ups whose e-mail address was not confirmed in time (单位注册审核).

An unconfirmed sign-up holds nothing for long: after ``PORTAL_UNCONFIRMED_SIGNUP_DAYS`` its
account, and the claim it made if nothing else refers to it, are deleted, so that its user
name and address are free again (its USCC never was held). Idempotent; ``--dry-run`` lists
what would go. Registration also clears expired sign-ups as it goes; run this daily too.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from applications.registration import delete_expired_signups


class Command(BaseCommand):
    help = "Delete sign-ups not confirmed within PORTAL_UNCONFIRMED_SIGNUP_DAYS (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        usernames = delete_expired_signups(dry_run=dry_run)
        days = settings.PORTAL_UNCONFIRMED_SIGNUP_DAYS
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {len(usernames)} sign-up(s) unconfirmed for more than {days} days")
        for username in usernames:
            self.stdout.write(f"  {username}")
