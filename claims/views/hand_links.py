"""Link by hand, decide in bulk: evidence linked from a selection in the article reader, and several
suggestions of a claim confirmed or rejected at once with one rationale."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from claims.forms import EvidenceBulkForm, EvidenceLinkForm, EvidenceLinkSearchForm
from claims.models import Claim, Stance
from claims.selectors import hand_links as hand_link_selectors
from claims.services import hand_links as hand_link_services
from claims.services import reviews as review_services
from claims.views.access import add_form_errors, reviewer_of, reviewer_required, with_version
from claims.views.articles import reader_page
from claims.views.claim_pages import ClaimForms, after_write, claim_context, claim_or_404, focus_fragment
from sources import selectors as source_selectors
from sources.models import Article

NO_SELECTION = "Select some words of the article first, then choose “Link as evidence”."


def _article_or_404(article_id: int) -> Article:
    try:
        return source_selectors.article_get(article_id=article_id)
    except Article.DoesNotExist:
        raise Http404("No article with this number.") from None


def _offset(value: object) -> int | None:
    text = "" if value is None else str(value)
    return int(text) if text.isdigit() else None


def _link_context(request: HttpRequest, article: Article, form: EvidenceLinkForm) -> dict[str, Any]:
    """The link form with the selection as the server reads it, the claim search and the story's claims."""
    data = form.data if form.is_bound else form.initial
    start, end = _offset(data.get("start")), _offset(data.get("end"))
    parts = []
    if start is not None and end is not None and start < end:
        parts = hand_link_selectors.selection_parts(article=article, start=start, end=end)
    search = EvidenceLinkSearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
    return {
        "link_form": form,
        "link_start": start,
        "link_end": end,
        "link_parts": parts,
        "link_too_long": len(parts) > hand_link_selectors.MAX_SELECTION_SENTENCES,
        "link_search": search,
        "link_q": q,
        "link_found": hand_link_selectors.claims_to_pick(q=q) if q else [],
        "link_picked": _offset(data.get("claim")),
        "link_story": hand_link_selectors.story_claims(article=article),
    }


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _link_page(request: HttpRequest, article: Article, form: EvidenceLinkForm, status: int = 200) -> HttpResponse:
    context = _link_context(request, article, form)
    if _htmx(request):
        return render(request, "claims/_link_evidence_form.html", {"article": article, **context}, status=status)
    # Opened by its address (no JavaScript, a shared link, a reload): the reader marks the passage.
    selection = [(part.start, part.end) for part in context["link_parts"]]
    return reader_page(request, article, status=status, extra=context, selection=selection)


@require_http_methods(["GET", "HEAD", "POST"])
@reviewer_required
def evidence_link(request: HttpRequest, article_id: int) -> HttpResponse:
    """GET: the form for the selected offsets (an htmx partial, or the reader with it). POST: link, then back."""
    article = _article_or_404(article_id)
    if request.method != "POST":
        start, end = _offset(request.GET.get("start")), _offset(request.GET.get("end"))
        if (start is None or end is None or end <= start) and _htmx(request):
            # htmx swaps the answer into the reader's aside: the form, saying there is nothing selected.
            return _link_page(request, article, EvidenceLinkForm(initial={"stance": Stance.SUPPORTS}))
        if start is None or end is None or end <= start:
            messages.info(request, NO_SELECTION)
            return redirect("claims:article-detail", article_id=article.pk)
        initial = {"start": start, "end": end, "stance": Stance.SUPPORTS, "claim": request.GET.get("claim")}
        return _link_page(request, article, EvidenceLinkForm(initial=initial))
    return _link(request, article)


def _link(request: HttpRequest, article: Article) -> HttpResponse:
    reviewer = reviewer_of(request)
    form = EvidenceLinkForm(request.POST)
    if not form.is_valid():
        return _link_page(request, article, form, status=400)
    data = form.cleaned_data
    try:
        links = hand_link_services.evidence_link_selection(
            claim_id=data["claim"],
            article_id=article.pk,
            start=data["start"],
            end=data["end"],
            stance=data["stance"],
            user=reviewer,
            note=data["note"],
        )
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _link_page(request, article, form, status=400)
    stance = Stance(data["stance"]).label.lower()
    count = f"{len(links)} passages" if len(links) > 1 else "the passage"
    messages.success(request, f"Linked {count} to claim {data['claim']} as evidence: {stance}.")
    position = links[0].sentence.position
    return redirect(reverse("claims:article-detail", kwargs={"article_id": article.pk}) + f"#s{position}")


@require_http_methods(["GET", "HEAD"])
@reviewer_required
def evidence_link_claims(request: HttpRequest, article_id: int) -> HttpResponse:
    """The claim search's results alone, for htmx to swap under the box as the reviewer types."""
    article = _article_or_404(article_id)
    search = EvidenceLinkSearchForm(request.GET)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    context = {"article": article, "link_q": q, "link_found": hand_link_selectors.claims_to_pick(q=q) if q else []}
    return render(request, "claims/_link_claim_results.html", context)


# --- deciding several suggestions at once -----------------------------------------------------


def _bulk_page(
    request: HttpRequest, claim: Claim, form: EvidenceBulkForm, conflict: str = "", status: int = 400
) -> HttpResponse:
    """The claim page with the bulk form as sent: its errors, the rationale and the ticks kept."""
    context = claim_context(request, claim, ClaimForms.for_claim(claim, request.user))
    ticked = {pk for pk in (_offset(v) for v in request.POST.getlist("evidence")) if pk is not None}
    context.update({"bulk_form": form, "bulk_conflict": conflict, "bulk_ticked": ticked})
    return render(request, "claims/claim_detail.html", context, status=status)


@require_POST
@reviewer_required
def evidence_bulk_decide(request: HttpRequest, claim_id: int) -> HttpResponse:
    reviewer = reviewer_of(request)
    claim = claim_or_404(claim_id)
    form = EvidenceBulkForm(request.POST)
    if not form.is_valid():
        return _bulk_page(request, claim, form)
    data = form.cleaned_data
    try:
        records = review_services.evidence_decide_many(
            claim_id=claim.pk,
            evidence_ids=data["evidence"],
            reviewer=reviewer,
            decision=data["decision"],
            note=data["note"],
            expected_version=data["version"],
        )
    except review_services.StaleVersion as exc:
        # Nothing was written; the form now carries the current version, so sending it again is deliberate.
        retry = EvidenceBulkForm(with_version(request, exc.claim.version))
        return _bulk_page(request, claim_or_404(claim.pk), retry, conflict=str(exc), status=409)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _bulk_page(request, claim, form)
    label = records[0].get_decision_display()
    messages.success(request, f"{label} {len(records)} evidence link{'s' if len(records) > 1 else ''}.")
    return after_write(request, claim.pk, focus_fragment(claim, [r.evidence_id for r in records]))
