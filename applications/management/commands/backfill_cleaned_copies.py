"""Make the cleaned copies (issue 8, item 5) of uploads stored before they were kept: a
PDF's copy without active content, an image's page for the dossier.

A PDF version stored before cleaned copies existed gets one on first use
(``applications.documents.cleaned_file``); run this once after deploying so that no reviewer
waits for it, and so that a file no copy can be made of is known now, not when it is opened
(it is listed; it opens as a page that says so, and the dossier carries such a page too).
Idempotent: only versions without a cleaned copy are read. ``--dry-run`` lists them.
"""

from django.core.management.base import BaseCommand

from applications.documents import CleaningFailed, cleaned_file
from applications.models import DocumentVersion, RegistrationDocument


class Command(BaseCommand):
    help = "Make the missing cleaned copies of stored uploads (idempotent; --dry-run lists them)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be made; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        made, failed, missing, pending = 0, [], [], 0
        for model in (DocumentVersion, RegistrationDocument):
            for record in model.objects.filter(cleaned="").order_by("pk").iterator():
                label = f"{model.__name__} {record.pk} ({record.original_name})"
                if dry_run:
                    pending += 1
                    self.stdout.write(f"  would clean {label}")
                    continue
                try:
                    cleaned_file(record).close()
                    made += 1
                except FileNotFoundError:
                    missing.append(label)
                except CleaningFailed:
                    failed.append(label)
        if dry_run:
            self.stdout.write(f"would make {pending} cleaned cop{'y' if pending == 1 else 'ies'}")
            return
        self.stdout.write(f"made {made} cleaned cop{'y' if made == 1 else 'ies'}")
        for label in missing:
            self.stdout.write(f"  upload missing from storage: {label}")
        for label in failed:
            self.stdout.write(f"  no cleaned copy can be made (opens as a notice page): {label}")
