"""Background jobs and their items: one row per input document or chunk of claims."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sources.models import Article
from sources.text import reading


class JobKind(models.TextChoices):
    INGEST = "ingest", "Ingest articles"
    EXTRACT = "extract", "Extract claims"
    MATCH = "match", "Match new claims against the corpus"
    RECOMPUTE = "recompute", "Recompute all links and groups"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    # Ran to the end, but some items failed (each says why): never shown as a plain success.
    PARTIAL = "partial", "Finished with failures"
    FAILED = "failed", "Failed"


# States a job ends in; a finished job is never run again.
FINISHED_STATES = (JobState.SUCCEEDED, JobState.PARTIAL, JobState.FAILED)


class Job(models.Model):
    kind = models.CharField(max_length=16, choices=JobKind.choices)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    result = models.JSONField(default=dict, blank=True)
    story = models.ForeignKey("sources.Story", null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followups",
        help_text="The job that started this one (an ingest job starts the match job of its articles)",
    )
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a worker picked the job up")
    # The outbox: a queued job is either running (a live heartbeat) or about to be sent again by
    # the sweeper (claims.jobs.sweeper), whatever the broker lost.
    messages = models.PositiveSmallIntegerField(default=1, help_text="Messages sent at once so workers share it")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When its messages last reached the broker")
    sends = models.PositiveIntegerField(default=0, help_text="Times sent since a worker last picked it up")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life from a worker on it")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="job_done_le_total"),
        ]
        indexes = [
            # Dashboard: running and recent jobs; the sweeper: every unfinished job.
            models.Index(fields=["state", "-created_at"], name="job_state_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.state})"


class ItemState(models.TextChoices):
    PENDING = "pending", "Pending"
    CREATED = "created", "Created"
    DUPLICATE = "duplicate", "Already stored"
    FAILED = "failed", "Failed"


class JobItem(models.Model):
    """One unit of a job's input (a document to ingest); its state makes re-runs skip finished work."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    source = models.CharField(max_length=1000)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=ItemState.choices, default=ItemState.PENDING)
    message = models.TextField(blank=True, default="")
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["job_id", "position"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="jobitem_job_position_unique")]
        indexes = [
            # Job runner: the next pending items of a job.
            models.Index(fields=["job", "state", "position"], name="jobitem_job_state"),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.state})"

    @property
    def source_label(self) -> str:
        """The source as the job page and the API show it: a file's name, never its server folders."""
        return reading.source_label(self.source)
