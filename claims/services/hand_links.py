"""Evidence a reviewer links by hand from a selection in the article reader."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Length

from claims.models import Claim, Evidence
from claims.roles import can_review
from claims.selectors.hand_links import MAX_SELECTION_SENTENCES, selection_parts
from claims.services import reviews as review_services
from sources.models import Article


@transaction.atomic
def evidence_link_selection(
    *, claim_id: int, article_id: int, start: int, end: int, stance: str, user: User, note: str
) -> list[Evidence]:
    """Link the selected ``article.body[start:end]`` to a claim as evidence, confirmed by the reviewer.

    Only the offsets are taken from the browser; the text is the article's. A selection across
    sentences becomes one link per sentence (each clipped to its sentence): all are linked, or none.
    """
    if not can_review(user):
        raise PermissionDenied("Only reviewers can add evidence.")
    if not note.strip():
        raise ValidationError({"note": "A rationale is required: say why this bears on the claim."})
    if not Claim.objects.filter(pk=claim_id).exists():
        raise ValidationError({"claim": f"There is no claim {claim_id}."})
    length = Article.objects.filter(pk=article_id).values_list(Length("body"), flat=True).get()
    if not 0 <= start < end <= length:
        raise ValidationError({"span": f"The selection must lie within the article's {length} characters."})
    parts = selection_parts(article=Article(pk=article_id), start=start, end=end)
    if not parts:
        raise ValidationError({"span": "The selection holds no text of the article: select words of a sentence."})
    if len(parts) > MAX_SELECTION_SENTENCES:
        raise ValidationError(
            {"span": f"The selection spans {len(parts)} sentences; select at most {MAX_SELECTION_SENTENCES}."}
        )
    return [
        review_services.evidence_add_manual(
            claim_id=claim_id,
            sentence_id=part.sentence.pk,
            start=part.start,
            end=part.end,
            stance=stance,
            user=user,
            note=note,
        )
        for part in parts
    ]
