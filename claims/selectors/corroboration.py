"""Reads over matched provenance: who reported a claim, when first, and how many reports are independent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from claims.matching.lexical import content_tokens, jaccard
from claims.matching.linking import UnionFind
from claims.models import Claim, Evidence, EvidenceDecisionChoice, EvidenceMethod, LinkStrength, Stance
from sources.models import Article
from sources.text.inference import InferredDate, InferredName

COPY_JACCARD = 0.8  # content-word Jaccard at which two report sentences are one text copied


# Wire services and state news agencies: reports crediting the same one repeat one source.
_AGENCY = re.compile(
    r"\b(reuters|afp|agence france|associated press|ap|xinhua|dpa|ansa|efe|anadolu|irna|mehr|tasnim|fars|isna|"
    r"wafa|qna|spa|mena|interfax|tass|ria novosti|kyodo|yonhap|pti|bernama)\b|news agency",
    re.IGNORECASE,
)


def counted() -> Q:
    """The links that count as support or contradiction: given, automatic, or confirmed by a reviewer.

    The one definition every count uses (claim and group screens, the API's corroboration,
    ClaimReview, exports): a machine suggestion nobody has confirmed yet is listed apart, never
    counted, and a rejected one is neither.
    """
    return Q(decision=EvidenceDecisionChoice.CONFIRMED) | (
        Q(decision=EvidenceDecisionChoice.PENDING) & ~Q(strength=LinkStrength.SUGGESTED)
    )


def suggested() -> Q:
    """Machine suggestions a reviewer has not decided yet."""
    return Q(decision=EvidenceDecisionChoice.PENDING, strength=LinkStrength.SUGGESTED)


def _is_suggestion(evidence: Evidence) -> bool:
    return evidence.strength == LinkStrength.SUGGESTED and evidence.decision == EvidenceDecisionChoice.PENDING


@dataclass(frozen=True, slots=True)
class Report:
    outlet: str
    article_id: int
    article_title: str
    published_at: datetime | None
    stance: str
    evidence_id: int
    copy_of_article_id: int | None
    score: float | None = None
    # Set when the article gave no publication time and ``published_at`` is the day its text gives.
    date_inferred: InferredDate | None = None
    # Set when the article gave no outlet and ``outlet`` is the one its text credits itself to.
    outlet_inferred: InferredName | None = None

    @property
    def outlet_source(self) -> str:
        """Where ``outlet`` comes from: given, or inferred (from the text); empty when none is known."""
        if not self.outlet:
            return ""
        return "inferred" if self.outlet_inferred else "given"

    @property
    def outlet_evidence(self) -> str:
        """The words an inferred outlet was read from."""
        return self.outlet_inferred.evidence.text if self.outlet_inferred else ""

    @property
    def date_source(self) -> str:
        """Where ``published_at`` comes from: given, printed (in the text) or not_before; empty if undated."""
        if self.published_at is None:
            return ""
        return self.date_inferred.kind.value if self.date_inferred else "given"

    @property
    def date_evidence(self) -> str:
        """The words an inferred date was read from."""
        return self.date_inferred.evidence.text if self.date_inferred else ""


@dataclass(frozen=True, slots=True)
class Corroboration:
    supporting_outlets: int
    contradicting_outlets: int
    independent_supporting: int
    # Articles naming no outlet, given or in their text, count as sources of their own; the interface says so.
    unnamed_outlets: int
    first_appearance: Report | None
    reports: list[Report]
    # Suggested links, listed and counted apart: not yet reviewed, so not support or contradiction.
    suggestions: list[Report]

    @property
    def suggested_supporting(self) -> int:
        return sum(1 for r in self.suggestions if r.stance == Stance.SUPPORTS)

    @property
    def suggested_contradicting(self) -> int:
        return sum(1 for r in self.suggestions if r.stance == Stance.CONTRADICTS)


def _agencies(claim: Claim | None) -> set[str]:
    if claim is None:
        return set()
    out = set()
    for credit in claim.attribution:
        source = str(credit.get("source", "")) if isinstance(credit, dict) else ""
        match = _AGENCY.search(source)
        if match:
            out.add(match.group(0).lower())
    return out


def _span_words(evidence: Evidence) -> list[str]:
    sentence = evidence.sentence
    return content_tokens(sentence.text[evidence.start - sentence.start : evidence.end - sentence.start])


def _outlet_key(evidence: Evidence) -> str:
    """One outlet, by name: the article's outlet, else the outlet its text credits itself to.

    Keyed by name (outlet names are unique, stored stripped) so that an article whose text names
    "Gulf Courier" is one source with the articles stored under the outlet Gulf Courier and with
    other articles whose text names it. An article with neither is a source of its own.
    """
    article = evidence.sentence.article
    name = article.attribution.name
    return f"outlet:{name}" if name else f"article:{article.pk}"


def _names_no_outlet(article: Article) -> bool:
    """Neither given an outlet nor naming one in its text: counted as an outlet of its own."""
    return not article.attribution.name


def _publication_order(evidence: Evidence) -> tuple[bool, datetime | None, int]:
    published = evidence.sentence.article.publication.at
    return (published is None, published, evidence.pk)


def _has_publication_day(evidence: Evidence) -> bool:
    # A "not before" bound can place a report on the timeline but never make it the first:
    # it may have been published any time after that day.
    publication = evidence.sentence.article.publication
    return publication.at is not None and not publication.is_lower_bound


def _lexical_copies(claim_ids: set[int]) -> set[frozenset[int]]:
    rows = (
        Evidence.objects.filter(
            claim_id__in=claim_ids,
            via_claim_id__in=claim_ids,
            method=EvidenceMethod.LEXICAL,
            strength=LinkStrength.AUTO,
            withdrawn_at__isnull=True,
        )
        .exclude(decision=EvidenceDecisionChoice.REJECTED)
        .values_list("claim_id", "via_claim_id")
    )
    return {frozenset(pair) for pair in rows}


def _copy_sources(claim: Claim, supporting: list[Evidence]) -> tuple[dict[int, int | None], int]:
    """For each supporting report (in publication order), the earlier article whose text or source it repeats.

    Also returns how many independent sources the reports come down to.
    """
    behind = [claim if e.method == EvidenceMethod.ORIGIN else e.via_claim for e in supporting]
    words = [_span_words(e) for e in supporting]
    agencies = [_agencies(c) for c in behind]
    lexical = _lexical_copies({c.pk for c in behind if c is not None})
    copies = UnionFind(range(len(supporting)))
    for i in range(len(supporting)):
        for j in range(i):
            same_text = jaccard(words[i], words[j]) >= COPY_JACCARD
            pair = frozenset(c.pk for c in (behind[i], behind[j]) if c is not None)
            if same_text or bool(agencies[i] & agencies[j]) or (len(pair) == 2 and pair in lexical):
                copies.union(i, j)
    first: dict[int, int] = {}
    out: dict[int, int | None] = {}
    for n, evidence in enumerate(supporting):
        root = copies.root(n)
        article = evidence.sentence.article_id
        earliest = first.setdefault(root, article)
        out[evidence.pk] = None if earliest == article else earliest
    return out, _independent_sources(supporting, copies)


def _independent_sources(supporting: list[Evidence], copies: UnionFind) -> int:
    # Several sentences of one article, or articles of one outlet, are one source however they are worded.
    sources = UnionFind(range(len(supporting)))
    seen: dict[str, int] = {}
    for n, evidence in enumerate(supporting):
        sources.union(n, copies.root(n))
        sources.union(n, seen.setdefault(_outlet_key(evidence), n))
    return len(sources.sets())


def _report(evidence: Evidence, copy_of: int | None) -> Report:
    article = evidence.sentence.article
    publication, attribution = article.publication, article.attribution
    return Report(
        outlet=attribution.name,
        outlet_inferred=attribution.inferred,
        article_id=article.pk,
        article_title=article.title,
        published_at=publication.at,
        date_inferred=publication.inferred,
        stance=evidence.stance,
        evidence_id=evidence.pk,
        copy_of_article_id=copy_of,
        score=evidence.score,
    )


def claim_corroboration(*, claim: Claim) -> Corroboration:
    """Distinct outlets for and against a claim (counted links, its own origin included), earliest first.

    Only counted links (``counted()``: given, automatic or confirmed) make the counts, the reports and
    the first appearance; suggestions are listed apart, best score first. Supporting reports from one
    outlet (the given one, else the one its text credits itself to; one article when it names none),
    reports that copy each other's sentence (content-word Jaccard >= 0.8, or an automatic lexical link
    between their claims) and reports crediting the same wire or news agency count once towards
    ``independent_supporting``; each later copy names the article it repeats. An article given no
    publication time is dated by the day its text prints (``Report.date_inferred`` says so); a day the
    text only bounds ("not before") orders and places the report but never makes it the first
    appearance.
    """
    live = (
        Evidence.objects.filter(claim=claim, withdrawn_at__isnull=True)
        .filter(Q(via_claim__isnull=True) | Q(via_claim__deleted_at__isnull=True))
        .filter(counted() | suggested())
        .select_related("sentence__article__outlet", "via_claim")
    )
    rows = sorted((e for e in live if not _is_suggestion(e)), key=_publication_order)
    pending = sorted((e for e in live if _is_suggestion(e)), key=lambda e: (-(e.score or 0.0), e.pk))
    supporting = [e for e in rows if e.stance == Stance.SUPPORTS]
    contradicting = [e for e in rows if e.stance == Stance.CONTRADICTS]
    copy_of, independent = _copy_sources(claim, supporting)
    reports = [_report(e, copy_of.get(e.pk)) for e in rows]
    by_id = {r.evidence_id: r for r in reports}
    dated = [e for e in supporting if _has_publication_day(e)]
    return Corroboration(
        supporting_outlets=len({_outlet_key(e) for e in supporting}),
        contradicting_outlets=len({_outlet_key(e) for e in contradicting}),
        independent_supporting=independent,
        unnamed_outlets=len({e.sentence.article_id for e in rows if _names_no_outlet(e.sentence.article)}),
        first_appearance=by_id[dated[0].pk] if dated else None,
        reports=reports,
        suggestions=[_report(e, None) for e in pending],
    )
