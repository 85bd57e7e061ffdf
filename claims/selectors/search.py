"""Word search over claims and sentences, aware of every spelling of a name."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Left

from claims.extraction.entities import MIN_PARTIAL_LETTERS, fold
from claims.models import Claim, ClaimEntity
from claims.selectors import articles as article_selectors
from sources.models import Sentence

# A query names someone in a run of at most this many words ("Mohammed bin Abdulrahman Al Thani" is 5);
# longer queries are read as the words around a name, and only their first words are tried as one.
MAX_NAME_WORDS = 5
MAX_QUERY_WORDS = 10


def _names_like(folded: str, claim: OuterRef) -> Exists:
    """Claims naming someone whose spelling-insensitive key starts or ends with ``folded``.

    "bagheri kani" finds "Ali Baqeri Kani", "ali bagheri" too; a fragment inside a name does not
    ("oman" is not in "Romania"). Keys are folded names without spaces, so ends stand for name parts.
    """
    return Exists(ClaimEntity.objects.filter(claim=claim).filter(Q(key__startswith=folded) | Q(key__endswith=folded)))


def _name_runs(q: str) -> list[tuple[str, str, str]]:
    """Each run of the query's words that could name someone, with the words before and after it:
    "bagheri kani in doha" gives ("", "baqerikani", "in doha"), ("bagheri", "kanidoha"…), …"""
    words = q.split()[:MAX_QUERY_WORDS]
    runs = []
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + MAX_NAME_WORDS) + 1):
            folded = fold(" ".join(words[start:end]))
            if len(folded) >= MIN_PARTIAL_LETTERS:
                runs.append((" ".join(words[:start]), folded, " ".join(words[end:])))
    return runs


def _text_or_names(q: str, text_field: str, names: Callable[[str], Exists]) -> Q:
    """``q`` in the text, or a run of its words naming someone (any spelling) with the other words in the text.

    "bagheri kani" finds claims naming Ali Baqeri Kani; "bagheri kani doha" those of them that say "doha".
    """
    found = Q(**{f"{text_field}__icontains": q})
    for before, folded, after in _name_runs(q):
        named = Q(names(folded))
        for words in (before, after):
            if words:
                named &= Q(**{f"{text_field}__icontains": words})
        found |= named
    return found


def claims_matching(q: str) -> Q:
    """Claims whose wording contains ``q`` or that name someone ``q`` names, in any spelling (see ``search_claims``)."""
    return _text_or_names(q, "text", lambda folded: _names_like(folded, OuterRef("pk")))


def search_claims(*, q: str) -> QuerySet[Claim]:
    """Live claims whose wording contains ``q`` (case-insensitive) or that name someone ``q`` names, in any
    spelling, with the query's other words in their wording."""
    return (
        Claim.objects.filter(deleted_at__isnull=True)
        .filter(claims_matching(q))
        .select_related("article__outlet")
        .defer("article__body")
        .order_by("-id")
    )


def _sentence_names(folded: str) -> Exists:
    return Exists(Claim.objects.filter(spans__sentence=OuterRef("pk")).filter(_names_like(folded, OuterRef("pk"))))


def search_sentences(*, q: str) -> QuerySet[Sentence]:
    """Sentences containing ``q`` or naming it in any spelling, with their article (body not loaded) and outlet,
    newest articles first."""
    return (
        Sentence.objects.filter(_text_or_names(q, "text", _sentence_names))
        .select_related("article__outlet")
        .defer("article__body")
        .annotate(article_head=Left("article__body", article_selectors.TITLE_HEAD_CHARS))
        .order_by("-article_id", "position")
    )
