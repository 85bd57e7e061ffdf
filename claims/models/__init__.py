"""Claims, their evidence links, reviews, and the background jobs that make them.

Reviews and evidence decisions are append-only (database triggers refuse UPDATE
and DELETE, migration 0002): a claim's status and an evidence link's decision
are caches of their latest row, written in the same transaction.

One module per concern; everything is re-exported here, so ``claims.models.Claim`` and the
migrations stay as they were.
"""

from claims.models.claims import (
    Claim,
    ClaimEntity,
    ClaimKind,
    ClaimOrigin,
    ClaimRevision,
    ClaimSpan,
    ClaimStatus,
    RevisionAction,
    SentenceAssessment,
)
from claims.models.desk import (
    ChecklistItem,
    ClaimAssignee,
    ClaimAssignment,
    ClaimCheck,
    ClaimComment,
    CommentMention,
)
from claims.models.evidence import (
    Evidence,
    EvidenceDecision,
    EvidenceDecisionChoice,
    EvidenceMethod,
    LinkStrength,
    Stance,
)
from claims.models.groups import (
    DuplicateGroup,
    GroupAction,
    GroupDecision,
    GroupMember,
)
from claims.models.integration import (
    IdempotencyKey,
    TokenGrant,
    TokenScope,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookMessage,
    WebhookMessageState,
)
from claims.models.jobs import (
    FINISHED_STATES,
    ItemState,
    Job,
    JobItem,
    JobKind,
    JobState,
)
from claims.models.matching import (
    CalibrationSource,
    ClaimVector,
    MatchBucket,
    MatchKey,
    ScorerCalibration,
)
from claims.models.ratings import Rating, Verdict
from claims.models.reviews import (
    ClaimLease,
    Review,
)

__all__ = [
    "FINISHED_STATES",
    "CalibrationSource",
    "ChecklistItem",
    "Claim",
    "ClaimAssignee",
    "ClaimAssignment",
    "ClaimCheck",
    "ClaimComment",
    "ClaimEntity",
    "ClaimKind",
    "ClaimLease",
    "ClaimOrigin",
    "ClaimRevision",
    "ClaimSpan",
    "ClaimStatus",
    "ClaimVector",
    "CommentMention",
    "DuplicateGroup",
    "Evidence",
    "EvidenceDecision",
    "EvidenceDecisionChoice",
    "EvidenceMethod",
    "GroupAction",
    "GroupDecision",
    "GroupMember",
    "IdempotencyKey",
    "ItemState",
    "Job",
    "JobItem",
    "JobKind",
    "JobState",
    "LinkStrength",
    "MatchBucket",
    "MatchKey",
    "Rating",
    "Review",
    "RevisionAction",
    "ScorerCalibration",
    "SentenceAssessment",
    "Stance",
    "TokenGrant",
    "TokenScope",
    "Verdict",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookMessage",
    "WebhookMessageState",
]
