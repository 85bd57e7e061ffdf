"""python manage.py groups_dissolve_single — dissolve the duplicate groups stored with one live claim.

Splits and regroupings made before this rule could leave a group of one claim. Each such group is
emptied and a DISSOLVE decision records it (in the machine's name); the claim is ungrouped. Safe to
run again: a dissolved group has no members, so a second run finds nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from claims.services import groups as group_services


class Command(BaseCommand):
    help = "Dissolve duplicate groups that have one live claim left (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            dissolved = group_services.groups_dissolve_single(
                group_ids=None, user=None, note="One claim left: dissolved by the cleanup command."
            )
        listed = ", ".join(map(str, dissolved[:20])) + (" …" if len(dissolved) > 20 else "")
        self.stdout.write(f"{len(dissolved)} one-claim group(s) dissolved" + (f": {listed}" if dissolved else ""))
