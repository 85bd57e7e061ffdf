"""python manage.py calibrate_scorer [--minimum N] — refit link probabilities on reviewers' decisions.

Prints the new calibration's thresholds and its out-of-fold figures, or why there is none yet
(too few decided suggestions). The Celery task ``claims.tasks.recalibrate_scorer`` does the same.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from claims.services import calibration as calibration_services


class Command(BaseCommand):
    help = "Refit link probabilities on reviewers' confirm and reject decisions."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--minimum", type=int, default=calibration_services.MIN_DECISIONS)

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = calibration_services.calibration_fit_from_reviews(minimum=options["minimum"])
        if outcome.calibration is None:
            self.stdout.write(f"not recalibrated: {outcome.reason}")
            return
        fitted = outcome.calibration.fitted
        self.stdout.write(
            f"calibration {outcome.calibration.pk} active: automatic links from probability {fitted['auto_at']}, "
            f"suggestions from {fitted['suggest_at']}; out of fold: {outcome.calibration.validation}"
        )
