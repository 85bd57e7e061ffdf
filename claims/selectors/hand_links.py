"""Reads behind linking evidence by hand: a reader selection clipped to its sentences, the W3C selectors
of a span, the claims a reviewer picks from, and where the focus goes after a decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from claims.models import Claim, EvidenceDecisionChoice, EvidenceMethod
from claims.selectors import search
from claims.selectors.claim_details import ClaimEvidence
from sources.models import Article, Sentence

# Characters of prefix and suffix in a TextQuoteSelector: enough to anchor a short quote that repeats.
QUOTE_CONTEXT_CHARS = 32
# A selection longer than this many sentences is more likely a slip of the mouse than one piece of evidence.
MAX_SELECTION_SENTENCES = 5
PICK_SHOWN = 10
STORY_CLAIMS_SHOWN = 12


def w3c_selectors(body: str, start: int, end: int) -> list[dict[str, Any]]:
    """The W3C Web Annotation selectors of ``body[start:end]``: the quote with its context, and its offsets."""
    return [
        {
            "type": "TextQuoteSelector",
            "exact": body[start:end],
            "prefix": body[max(0, start - QUOTE_CONTEXT_CHARS) : start],
            "suffix": body[end : end + QUOTE_CONTEXT_CHARS],
        },
        {"type": "TextPositionSelector", "start": start, "end": end},
    ]


@dataclass(frozen=True, slots=True)
class SelectionPart:
    """The piece of a reader selection that lies in one sentence (offsets into the article body)."""

    sentence: Sentence
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.sentence.text[self.start - self.sentence.start : self.end - self.sentence.start]


def selection_parts(*, article: Article, start: int, end: int) -> list[SelectionPart]:
    """A selection of ``article.body[start:end]`` clipped to each sentence it touches, blank edges trimmed.

    Evidence is a span of one sentence (the claim page quotes it in its sentence, and corroboration
    compares sentence words), so a selection across sentences becomes one part per sentence. The text
    is the stored sentence's, never what the browser sent.
    """
    parts = []
    for sentence in Sentence.objects.filter(article=article, start__lt=end, end__gt=start).order_by("position"):
        a, b = max(start, sentence.start), min(end, sentence.end)
        text = sentence.text[a - sentence.start : b - sentence.start]
        a += len(text) - len(text.lstrip())
        b -= len(text) - len(text.rstrip())
        if a < b:
            parts.append(SelectionPart(sentence, a, b))
    return parts


@dataclass(frozen=True, slots=True)
class PickableClaim:
    claim: Claim
    outlet: str
    article_title: str


def _pickable(claims: list[Claim]) -> list[PickableClaim]:
    return [
        PickableClaim(c, c.article.outlet.name if c.article.outlet else "", c.article.display_title) for c in claims
    ]


def claims_to_pick(*, q: str) -> list[PickableClaim]:
    """Live claims that match the typed words (the phrase, or every word on its own), newest first;
    "#123" or "123" also finds claim 123."""
    words = q.replace("#", " ").split()[: search.MAX_QUERY_WORDS]
    if not words:
        return []
    every_word = Q()
    for word in words:
        every_word &= search.claims_matching(word)
    wanted = search.claims_matching(" ".join(words)) | every_word
    if len(words) == 1 and words[0].isdigit():
        wanted |= Q(pk=int(words[0]))
    claims = (
        Claim.objects.filter(deleted_at__isnull=True)
        .filter(wanted)
        .select_related("article__outlet")
        .order_by("-id")[:PICK_SHOWN]
    )
    return _pickable(list(claims))


@dataclass(frozen=True, slots=True)
class StoryClaims:
    shown: list[PickableClaim]
    total: int  # live claims of the article's stories in other articles, of which ``shown`` is the first few


def story_claims(*, article: Article) -> StoryClaims:
    """Live claims of other articles in this article's stories: the likeliest claims a sentence here bears on.

    Unreviewed first (they are the ones waiting for evidence), then newest.
    """
    claims = (
        Claim.objects.filter(deleted_at__isnull=True, article__stories__in=article.stories.all())
        .exclude(article=article)
        .distinct()
    )
    shown = claims.select_related("article__outlet").order_by("-status", "-id")[:STORY_CLAIMS_SHOWN]
    return StoryClaims(_pickable(list(shown)), claims.count())


def undecided_ids(evidence: ClaimEvidence) -> list[int]:
    """The claim page's undecided links a reviewer can tick, in page order (never the claim's own source)."""
    return [
        row.evidence.pk
        for outlet in evidence.outlets
        for row in outlet.rows
        if row.evidence.decision == EvidenceDecisionChoice.PENDING
        and row.evidence.method != EvidenceMethod.ORIGIN
        and row.evidence.withdrawn_at is None
    ]


def focus_after(evidence: ClaimEvidence, decided: list[int]) -> int | None:
    """The undecided link to put the focus on after ``decided`` were decided: the next one down the page,
    else the first left above; None when none is left."""
    order = [row.evidence.pk for outlet in evidence.outlets for row in outlet.rows]
    left = set(undecided_ids(evidence)) - set(decided)
    last = max((order.index(pk) for pk in decided if pk in order), default=-1)
    candidates = [pk for pk in order[last + 1 :] + order[: last + 1] if pk in left]
    return candidates[0] if candidates else None
