"""Claims, their evidence links, reviews, and the background jobs that make them.

Reviews and evidence decisions are append-only (database triggers refuse UPDATE
and DELETE, migration 0002): a claim's status and an evidence link's decision
are caches of their latest row, written in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from sources.models import Article, Sentence


class ClaimStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    CORROBORATED = "corroborated", "Corroborated"
    CONTESTED = "contested", "Contested"


class Verdict(models.TextChoices):
    CORROBORATED = "corroborated", "Corroborated"
    CONTESTED = "contested", "Contested"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"


class EvidenceMethod(models.TextChoices):
    ORIGIN = "origin", "Sentence the claim was extracted from"
    MANUAL = "manual", "Added by a reviewer"
    LEXICAL = "lexical", "Lexical overlap"
    SEMANTIC = "semantic", "Sentence embedding"
    FIGURE = "figure", "Same quantity, different figure"


class EvidenceDecisionChoice(models.TextChoices):
    PENDING = "pending", "Suggested"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


class LinkStrength(models.TextChoices):
    GIVEN = "given", "Given (origin or reviewer)"
    AUTO = "auto", "Linked automatically (above the upper threshold)"
    SUGGESTED = "suggested", "Suggested for review (between the thresholds)"


class SentenceAssessment(models.Model):
    """Why a sentence did or did not yield claims, so a reviewer can see and override it."""

    sentence = models.OneToOneField(Sentence, on_delete=models.CASCADE, related_name="assessment")
    worthy = models.BooleanField()
    score = models.FloatField()
    reason = models.CharField(max_length=200)
    extractor = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="assessment_score_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.score:.2f})"


class ClaimOrigin(models.TextChoices):
    EXTRACTED = "extracted", "Extracted automatically"
    MANUAL = "manual", "Added by a reviewer"
    SPLIT = "split", "Split from another claim by a reviewer"


class ClaimKind(models.TextChoices):
    CLAUSE = "clause", "Clause"
    APPOSITIVE = "appositive", "Appositive"
    RELATIVE = "relative", "Relative clause"
    SENTENCE = "sentence", "Whole sentence"
    MANUAL = "manual", "Written by a reviewer"


class Claim(models.Model):
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="claims")
    text = models.TextField(help_text="Normalised wording of one checkable statement")
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.UNREVIEWED)
    origin = models.CharField(max_length=16, choices=ClaimOrigin.choices, default=ClaimOrigin.EXTRACTED)
    kind = models.CharField(max_length=16, choices=ClaimKind.choices, default=ClaimKind.SENTENCE)
    # Who is credited, innermost first: [{"source", "verb", "kind", "start", "end", "resolved"?}].
    attribution = models.JSONField(default=list, blank=True)
    # Figures with qualifier and what they count; dates resolved against the publication time.
    quantities = models.JSONField(default=list, blank=True)
    dates = models.JSONField(default=list, blank=True)
    entities = models.JSONField(default=list, blank=True)
    extractor = models.CharField(max_length=40, help_text="Extractor name and version, or 'manual'")
    # Natural key of an extracted claim (hash of its spans and text): re-running
    # extraction upserts on it instead of adding a second copy.
    key = models.CharField(max_length=64)
    worthiness = models.FloatField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped on every write through a service; writers compare it (optimistic concurrency).
    version = models.PositiveIntegerField(default=1)
    # A reviewer's hand: an edited claim is never rewritten by extraction, a deleted one is only hidden.
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    split_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="split_into")

    class Meta:
        ordering = ["article_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="claim_key_unique"),
            models.CheckConstraint(condition=~Q(text=""), name="claim_text_not_empty"),
        ]
        indexes = [
            # Review queue: next unreviewed claim, oldest first.
            models.Index(fields=["status", "id"], name="claim_status_id"),
            # Article reader and claim lists: live claims of an article.
            models.Index(fields=["article", "deleted_at"], name="claim_article_live"),
            # Candidate lookup (matching_services._candidate_pairs): the few deleted claims, excluded
            # from every lookup as one hashed set instead of a claim-row fetch per bucket member.
            models.Index(fields=["id"], condition=Q(deleted_at__isnull=False), name="claim_deleted"),
        ]

    def __str__(self) -> str:
        return self.text


class ClaimEntity(models.Model):
    """A name mentioned by a claim, under a spelling-insensitive key (Baqeri = Bagheri)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="entity_mentions")
    key = models.CharField(max_length=200)
    name = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["claim", "key"], name="claimentity_claim_key_unique")]
        indexes = [
            # Claims about one person or organisation, across articles.
            models.Index(fields=["key", "claim"], name="claimentity_key_claim"),
        ]

    def __str__(self) -> str:
        return self.name


class RevisionAction(models.TextChoices):
    CREATED = "created", "Added by hand"
    EDITED = "edited", "Edited"
    SPLIT = "split", "Split"
    DELETED = "deleted", "Deleted"
    RESTORED = "restored", "Restored"


class ClaimRevision(models.Model):
    """Append-only history of a reviewer's changes to a claim's wording or existence."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="revisions")
    action = models.CharField(max_length=16, choices=RevisionAction.choices)
    text_before = models.TextField(blank=True, default="")
    text_after = models.TextField(blank=True, default="")
    note = models.TextField(blank=True, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "created_at", "id"]
        indexes = [
            # Claim history, newest first.
            models.Index(fields=["claim", "-created_at"], name="claimrevision_claim"),
        ]

    def __str__(self) -> str:
        return f"{self.action} claim {self.claim_id}"


class ClaimLease(models.Model):
    """A review-queue claim held by one reviewer for a while, so two never review it at once."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="lease")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Queue: a reviewer's current lease, and sweeping expired ones.
            models.Index(fields=["user", "expires_at"], name="claimlease_user_expires"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} held by {self.user_id} until {self.expires_at:%H:%M}"


class ClaimSpan(models.Model):
    """A character span of an article body that a claim was taken from."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="spans")
    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="claim_spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()

    class Meta:
        ordering = ["claim_id", "start"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "sentence", "start", "end"], name="claimspan_unique"),
            models.CheckConstraint(condition=Q(start__gte=0) & Q(end__gt=F("start")), name="claimspan_span_valid"),
        ]
        indexes = [
            # Article reader: which claims mark this sentence.
            models.Index(fields=["sentence", "claim"], name="claimspan_sentence_claim"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} @ {self.start}-{self.end}"


class Evidence(models.Model):
    """A sentence span that supports or contradicts a claim, and how it was found."""

    # No index of their own: evidence_unique_span leads with claim and evidence_sentence serves sentence, and each
    # extra index costs every evidence upsert (thousands of rows per new article at a million claims).
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="evidence", db_index=False)
    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="evidence", db_index=False)
    start = models.PositiveIntegerField(help_text="Offset into the article body")
    end = models.PositiveIntegerField()
    stance = models.CharField(max_length=16, choices=Stance.choices)
    method = models.CharField(max_length=16, choices=EvidenceMethod.choices)
    score = models.FloatField()
    details = models.JSONField(default=dict, blank=True, help_text="Per-signal scores and the threshold that fired")
    decision = models.CharField(
        max_length=16, choices=EvidenceDecisionChoice.choices, default=EvidenceDecisionChoice.PENDING
    )
    strength = models.CharField(max_length=16, choices=LinkStrength.choices, default=LinkStrength.GIVEN)
    # The claim of the other article whose span this is (matched links); its wording is what was compared.
    via_claim = models.ForeignKey("Claim", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # A recompute that no longer finds an undecided machine link hides it instead of deleting it.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.UniqueConstraint(fields=["claim", "sentence", "start", "end"], name="evidence_unique_span"),
            models.CheckConstraint(condition=Q(start__gte=0) & Q(end__gt=F("start")), name="evidence_span_valid"),
        ]
        indexes = [
            # Provenance of a sentence: which claims cite it.
            models.Index(fields=["sentence"], name="evidence_sentence"),
            # Conflicting figures: group_selectors.conflicting_figures_exists (queue, reader, API filter) and
            # groups_list(conflicting=...), which otherwise walk every link of every claim to find the few.
            models.Index(
                fields=["claim"],
                condition=Q(method=EvidenceMethod.FIGURE, stance=Stance.CONTRADICTS, withdrawn_at__isnull=True),
                name="evidence_open_figures",
            ),
            # Reviewers' vetoes of grouping (matching_services._vetoed, at every regroup): the few rejected
            # links of a component, found from either side without reading all its links.
            models.Index(
                fields=["claim"], condition=Q(decision=EvidenceDecisionChoice.REJECTED), name="evidence_rejected_claim"
            ),
            models.Index(
                fields=["via_claim"],
                condition=Q(decision=EvidenceDecisionChoice.REJECTED),
                name="evidence_rejected_via",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stance} {self.claim_id} <- sentence {self.sentence_id}"


class EvidenceDecision(models.Model):
    """Append-only record of a reviewer confirming or rejecting an evidence link."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=16, choices=EvidenceDecisionChoice.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["evidence_id", "created_at", "id"]
        indexes = [
            # Claim history: decisions on a claim's evidence, newest first.
            models.Index(fields=["evidence", "-created_at"], name="evidencedecision_evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} evidence {self.evidence_id}"


class Review(models.Model):
    """One verdict on a claim. Never updated: a new verdict is a new row."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    rationale = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="review_rationale_required"),
            models.CheckConstraint(condition=Q(verdict__in=Verdict.values), name="review_verdict_valid"),
        ]
        indexes = [
            # Claim history and latest verdict: a claim's reviews, newest first.
            models.Index(fields=["claim", "-created_at", "-id"], name="review_claim_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.verdict} claim {self.claim_id}"


class JobKind(models.TextChoices):
    INGEST = "ingest", "Ingest articles"
    EXTRACT = "extract", "Extract claims"
    MATCH = "match", "Match new claims against the corpus"
    RECOMPUTE = "recompute", "Recompute all links and groups"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


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
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a worker picked the job up")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="job_done_le_total"),
        ]
        indexes = [
            # Dashboard: running and recent jobs.
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


# --- REST API integration: idempotency keys, token scopes, webhooks ----------------------


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the response it got, so a retry replays it (24 h)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of method, path and canonical JSON body")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(default=dict)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_user_key_unique")]
        indexes = [
            # Sweeping expired keys.
            models.Index(fields=["created_at"], name="idempotencykey_created"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.response_status})"


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    REVIEW = "review", "Read and review (writes)"


class TokenGrant(models.Model):
    """The scope of one knox API token. A token without a grant row may only read."""

    token = models.OneToOneField("knox.AuthToken", on_delete=models.CASCADE, primary_key=True, related_name="grant")
    scope = models.CharField(max_length=16, choices=TokenScope.choices, default=TokenScope.READ)
    label = models.CharField(max_length=100, blank=True, default="", help_text="Which client holds it")

    def __str__(self) -> str:
        return f"{self.scope} token {self.token_id}"


class WebhookEvent(models.TextChoices):
    REVIEW_RECORDED = "review.recorded", "A verdict was recorded"
    JOB_FINISHED = "job.finished", "A job finished"


class WebhookEndpoint(models.Model):
    """A subscriber URL; events of its types are signed with its secret (Standard Webhooks)."""

    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list, help_text="Event types, e.g. ['review.recorded']")
    # Kept in clear: the server needs it to sign. Shown to the client only when created.
    secret = models.CharField(max_length=100)
    description = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["active"], name="webhookendpoint_active")]

    def __str__(self) -> str:
        return self.url


class WebhookMessageState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Gave up"


class WebhookMessage(models.Model):
    """One event for one endpoint (an outbox row, written with the change that caused it)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    msg_id = models.CharField(max_length=64, unique=True, help_text="The webhook-id header: same on every attempt")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    # What caused it (e.g. "review:12"): one message per endpoint and cause, however often enqueued.
    cause = models.CharField(max_length=100)
    body = models.TextField(help_text="The exact JSON body that is signed and sent")
    state = models.CharField(max_length=16, choices=WebhookMessageState.choices, default=WebhookMessageState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "cause"], name="webhookmessage_endpoint_cause_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.msg_id} ({self.state})"


class WebhookDelivery(models.Model):
    """One attempt to deliver a message: the log a subscriber's owner reads."""

    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        ordering = ["message_id", "attempt"]
        constraints = [
            models.UniqueConstraint(fields=["message", "attempt"], name="webhookdelivery_message_attempt_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} attempt {self.attempt}: {self.status_code or self.error}"


# --- matching: vectors, band rows, duplicate groups ----------------------------------------


class ClaimVector(models.Model):
    """A claim's sentence embedding, stored so that re-ranking and recomputes never re-encode it."""

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, primary_key=True, related_name="vector")
    model = models.CharField(max_length=60, help_text="Encoder and version the vector came from")
    # The wording the vector encodes: a reviewer's edit changes it, and the vector is remade.
    text_hash = models.CharField(max_length=64)
    vector = models.BinaryField(help_text="float16 little-endian, unit length")

    def __str__(self) -> str:
        return f"vector of claim {self.claim_id} ({self.model})"


class MatchKey(models.Model):
    """One locality-sensitive band row of a claim: claims sharing (method, band, key) are candidates."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="match_keys")
    method = models.PositiveSmallIntegerField(help_text="claims.matching.linking.METHOD_IDS")
    band = models.PositiveSmallIntegerField()
    key = models.BigIntegerField()
    # The claim's 128-bit embedding sketch (claims.matching.semantic.SimHashSketch), the same on all
    # its rows: the lookup ranks bucket members by Hamming distance without reading claim rows.
    sketch_hi = models.BigIntegerField(null=True, blank=True)
    sketch_lo = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["claim", "method", "band", "key"], name="matchkey_unique"),
        ]
        indexes = [
            # Candidate lookup: which claims share this band key. Covering (claim_id and sketch included)
            # so that PostgreSQL answers the self-join of matching_services._candidate_pairs, ranking
            # included, from the index alone (index-only scans), instead of one heap fetch per bucket
            # member; SQLite ignores INCLUDE.
            models.Index(
                fields=["method", "band", "key"], include=["claim", "sketch_hi", "sketch_lo"], name="matchkey_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} {self.method}/{self.band}/{self.key}"


class MatchBucket(models.Model):
    """Members of one band bucket, packed (``claims.matching.postings``): a copy of MatchKey rows made to be read fast.

    One indexing batch appends one part per bucket it touches; a bucket with too many parts is
    rebuilt from its MatchKey rows, which stay the truth (a rebuild also drops the members of
    claims whose rows were removed).
    """

    method = models.PositiveSmallIntegerField(help_text="claims.matching.linking.METHOD_IDS")
    band = models.PositiveSmallIntegerField()
    key = models.BigIntegerField()
    members = models.BinaryField()
    size = models.PositiveIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="matchbucket_not_empty")]
        indexes = [
            # Candidate lookup (matching_services._candidate_pairs): the parts of each of a claim's buckets;
            # also the part count that decides a rebuild.
            models.Index(fields=["method", "band", "key"], name="matchbucket_lookup"),
        ]

    def __str__(self) -> str:
        return f"bucket {self.method}/{self.band}/{self.key} ({self.size})"


class DuplicateGroup(models.Model):
    """Claims that state the same fact across articles, reviewed once under a canonical wording."""

    canonical = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="+")
    # Set when a reviewer picked the canonical wording; a recompute never changes it then.
    canonical_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"group {self.pk}: {self.canonical_id}"


class GroupMember(models.Model):
    """A claim's place in a duplicate group: a claim is in at most one group."""

    group = models.ForeignKey(DuplicateGroup, on_delete=models.CASCADE, related_name="members")
    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="group_member")
    # Placed by a reviewer (merge or split): recomputes never move a pinned claim.
    pinned = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group_id", "claim_id"]
        indexes = [
            # Group view: the members of a group.
            models.Index(fields=["group", "claim"], name="groupmember_group_claim"),
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} in group {self.group_id}"


class GroupAction(models.TextChoices):
    MERGE = "merge", "Merged groups"
    SPLIT = "split", "Split claims out"
    CANONICAL = "canonical", "Chose the canonical wording"


class GroupDecision(models.Model):
    """Append-only record of a reviewer's merge, split or canonical pick."""

    group = models.ForeignKey(DuplicateGroup, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=16, choices=GroupAction.choices)
    claims = models.JSONField(default=list, help_text="Ids of the claims the action moved or picked")
    other_group = models.ForeignKey(
        DuplicateGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The group merged in, or the group split claims went to",
    )
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group_id", "created_at", "id"]
        indexes = [
            # Group and claim history: a group's decisions, newest first.
            models.Index(fields=["group", "-created_at"], name="groupdecision_group"),
        ]

    def __str__(self) -> str:
        return f"{self.action} group {self.group_id}"
