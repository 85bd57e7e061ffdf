"""python manage.py webhooks_resend — attempt every due webhook delivery now, in this process.

For installations without a Celery worker (the demo), or from cron; with workers, schedule
the ``claims.tasks.resend_due_webhooks`` task instead. Safe to run at any time: a message
another process is delivering is skipped.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from claims.services import webhook_outbox


class Command(BaseCommand):
    help = "Attempt every due or lost webhook delivery now."

    def handle(self, *args: Any, **options: Any) -> None:
        due = webhook_outbox.webhook_messages_due()
        retried = sum(1 for message_id in due if webhook_outbox.webhook_attempt(message_id=message_id) is not None)
        self.stdout.write(f"{len(due)} due message(s) attempted; {retried} will be retried later")
