"""The claim view's provenance: evidence from other articles by outlet and time, how each link was found."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, Evidence, EvidenceMethod, Job, LinkStrength, Stance
from claims.selectors.corroboration import claim_corroboration
from claims.services import matching as matching_services
from claims.services import reviews as review_services
from sources.models import Article, Outlet

HAMAS = "Hamas refused to send a delegation"
OUTLETS = ["Tehran Times", "Al Jazeera", "Reuters", "Mehr News", "BBC"]


@pytest.fixture
def matched_corpus(seed_corpus: Job) -> Job:
    """The seed articles with outlets and publication times, linked by the matching pipeline."""
    start = datetime(2024, 8, 14, 6, 0, tzinfo=UTC)
    for n, article in enumerate(Article.objects.order_by("id")):
        # The last article is the earliest: publication order must not follow ingestion order.
        published = start + timedelta(hours=(n + 1) % 5)
        Article.objects.filter(pk=article.pk).update(
            outlet=Outlet.objects.create(name=OUTLETS[n]), published_at=published
        )
    matching_services.claims_match(claim_ids=list(Claim.objects.values_list("pk", flat=True)))
    return seed_corpus


@pytest.fixture
def reviewed_corpus(matched_corpus: Job, reviewer: User) -> Job:
    """The matched corpus after a reviewer confirmed every suggested supporting link of the Hamas claim."""
    for link in suggested_links(hamas(), Stance.SUPPORTS):
        review_services.evidence_decide(evidence_id=link.pk, reviewer=reviewer, decision="confirmed")
    return matched_corpus


def suggested_links(claim: Claim, stance: str) -> list[Evidence]:
    return list(
        claim.evidence.filter(
            stance=stance, strength=LinkStrength.SUGGESTED, decision="pending", withdrawn_at__isnull=True
        ).order_by("-score", "id")
    )


def claim_page(client: Client, user: User, claim: Claim, query: str = "") -> str:
    client.force_login(user)
    response = client.get(reverse("claims:claim-detail", args=[claim.pk]) + query)
    assert response.status_code == 200
    return response.content.decode()


def hamas() -> Claim:
    return Claim.objects.get(text__contains=HAMAS)


def test_the_claim_view_shows_evidence_from_several_articles_grouped_by_outlet_in_publication_order(
    client: Client, viewer: User, matched_corpus: Job
) -> None:
    claim = hamas()
    links = list(claim.evidence.select_related("sentence__article__outlet"))
    assert len({e.sentence.article_id for e in links}) > 1  # the matcher found it elsewhere

    page = claim_page(client, viewer, claim)

    groups = re.findall(r'<h3 class="outlet-group__name">([^<]+?) <span', page)
    first_seen: dict[str, datetime] = {}
    for e in links:
        article = e.sentence.article
        assert article.outlet is not None
        assert article.published_at is not None
        first_seen[article.outlet.name] = min(
            article.published_at, first_seen.get(article.outlet.name, article.published_at)
        )
    assert groups == sorted(first_seen, key=first_seen.__getitem__)
    for e in links:
        assert f'id="evidence-{e.pk}"' in page


def test_evidence_from_articles_that_name_no_outlet_is_grouped_by_article(
    client: Client, viewer: User, seed_corpus: Job
) -> None:
    matching_services.claims_match(claim_ids=list(Claim.objects.values_list("pk", flat=True)))
    claim = hamas()
    articles = {e.sentence.article_id for e in claim.evidence.filter(withdrawn_at__isnull=True)}
    assert len(articles) > 1

    counted = {claim.article_id} | {
        e.sentence.article_id for e in claim.evidence.filter(withdrawn_at__isnull=True, strength=LinkStrength.AUTO)
    }

    page = claim_page(client, viewer, claim)

    assert page.count('<h3 class="outlet-group__name">Outlet not named') == len(articles)
    summary = page.split('class="provenance__counts"')[1].split("</section>")[0]
    # The summary speaks of counted reports only: unreviewed suggestions are not among "these articles".
    if len(counted) > 1:
        assert f"{len(counted)} of these articles name no outlet" in summary
    else:
        assert "1 of these articles names no outlet" in summary


def test_each_machine_link_says_how_it_was_found_and_which_threshold_fired(
    client: Client, viewer: User, matched_corpus: Job
) -> None:
    claim = hamas()
    link = claim.evidence.exclude(method=EvidenceMethod.ORIGIN).order_by("id").first()
    assert link is not None

    page = claim_page(client, viewer, claim)

    item = page.split(f'id="evidence-{link.pk}"')[1].split('<li class="evidence__item')[0]
    threshold = link.details["threshold"]
    assert link.get_method_display() in item
    assert f"{link.score:.2f}" in item
    assert {"auto": "Automatic", "suggested": "Suggested"}[link.strength] in item
    name = threshold["name"]
    assert f"{name} threshold {threshold[name]:.2f}" in item
    if link.via_claim_id:
        assert f'href="{reverse("claims:claim-detail", args=[link.via_claim_id])}"' in item
    assert "Embedding cosine" in item or "Word overlap" in item


def test_a_link_a_reviewer_must_confirm_says_why_it_is_only_suggested(
    client: Client, viewer: User, matched_corpus: Job
) -> None:
    link = Evidence.objects.filter(strength=LinkStrength.SUGGESTED, details__threshold__name="lower").first()
    assert link is not None

    page = claim_page(client, viewer, link.claim)

    item = page.split(f'id="evidence-{link.pk}"')[1].split("</li>")[0]
    assert "suggested for review" in item
    for reason in link.details.get("reasons", []):
        assert escape(reason) in item


def test_contradicting_figure_links_are_marked_apart(client: Client, viewer: User, matched_corpus: Job) -> None:
    figure = Evidence.objects.filter(method=EvidenceMethod.FIGURE).first()
    other = figure.claim.evidence.exclude(method=EvidenceMethod.FIGURE).first() if figure else None
    assert figure is not None
    assert other is not None

    page = claim_page(client, viewer, figure.claim)

    assert re.search(rf'class="[^"]*evidence__item--figure[^"]*" id="evidence-{figure.pk}"', page)
    assert not re.search(rf'class="[^"]*evidence__item--figure[^"]*" id="evidence-{other.pk}"', page)
    assert "Different figure</span>" in page.split(f'id="evidence-{figure.pk}"')[1].split("</li>")[0]


def test_withdrawn_links_are_hidden_until_asked_for_and_never_lost(
    client: Client, viewer: User, matched_corpus: Job
) -> None:
    claim = hamas()
    link = claim.evidence.exclude(method=EvidenceMethod.ORIGIN).first()
    assert link is not None
    Evidence.objects.filter(pk=link.pk).update(withdrawn_at=timezone.now())

    hidden = claim_page(client, viewer, claim)
    shown = claim_page(client, viewer, claim, "?withdrawn=1")

    assert f'id="evidence-{link.pk}"' not in hidden
    assert "1 withdrawn link hidden" in hidden
    assert f'id="evidence-{link.pk}"' in shown
    assert "evidence__item--withdrawn" in shown


def test_the_claim_view_with_many_links_makes_a_fixed_number_of_queries(
    client: Client, reviewer: User, matched_corpus: Job, django_assert_max_num_queries
) -> None:
    claim = max(Claim.objects.all(), key=lambda c: c.evidence.count())
    assert claim.evidence.count() > 3
    client.force_login(reviewer)

    # session, user, groups, claim, spans, neighbours, evidence, reviews, decisions, revisions, group,
    # corroborating reports, copies among them, the groups of the claims suggested for grouping, and the
    # claims the figures chart draws from when it counts something; the review desk (assignments, comments,
    # checklist steps, reviewers to assign to) and the verdict form's ratings
    with django_assert_max_num_queries(20):
        response = client.get(reverse("claims:claim-detail", args=[claim.pk]))

    assert response.status_code == 200


def test_the_claim_view_sums_up_who_supports_and_contradicts_it_and_where_it_appeared_first(
    client: Client, viewer: User, reviewed_corpus: Job
) -> None:
    claim = hamas()
    summary = claim_corroboration(claim=claim)
    assert summary.supporting_outlets > 1
    assert summary.first_appearance is not None

    page = claim_page(client, viewer, claim)

    counts = page.split('class="provenance__counts"')[1].split("</ul>")[0]
    assert f'provenance__n--supports">{summary.supporting_outlets}</strong> outlets support it' in counts
    assert f"<strong>{summary.independent_supporting}</strong> independent" in counts
    assert f'provenance__n--contradicts">{summary.contradicting_outlets}</strong>' in counts
    assert f"First appeared in <strong>{summary.first_appearance.outlet}</strong>" in counts
    assert f'href="#evidence-{summary.first_appearance.evidence_id}"' in counts


def test_the_timeline_plots_every_dated_report_in_time_order_as_inline_svg(
    client: Client, viewer: User, matched_corpus: Job
) -> None:
    claim = hamas()
    reports = [r for r in claim_corroboration(claim=claim).reports if r.published_at is not None]

    page = claim_page(client, viewer, claim)

    svg = page.split('<svg class="timeline__svg"')[1].split("</svg>")[0]
    dots = re.findall(
        r'<a href="#evidence-(\d+)" class="timeline__link">\s*<title>[^<]*</title>\s*'
        r'(?:<circle class="timeline__first"[^>]*></circle>\s*)?<circle class="timeline__dot[^"]*" cx="([\d.]+)"',
        svg,
    )
    assert [int(pk) for pk, _ in dots] == [r.evidence_id for r in reports]
    xs = [float(x) for _, x in dots]
    assert xs == sorted(xs)  # left to right is earlier to later
    assert svg.count('class="timeline__first"') == 1
    assert "style=" not in svg  # the CSP forbids inline styles: classes and SVG attributes only
    for outlet in {r.outlet for r in reports}:
        assert f">{outlet}</text>" in svg


def test_a_claim_whose_reports_have_no_date_shows_no_timeline(client: Client, viewer: User, seed_corpus: Job) -> None:
    page = claim_page(client, viewer, hamas())

    assert "timeline__svg" not in page
    assert "First appearance unknown" in page


def test_unreviewed_suggestions_are_not_counted_as_support_but_announced_apart(
    client: Client, viewer: User, matched_corpus: Job
) -> None:
    claim = hamas()
    pending = suggested_links(claim, Stance.SUPPORTS)
    assert pending, "the seed story has suggested links for the Hamas claim"
    automatic = claim.evidence.filter(stance=Stance.SUPPORTS, strength=LinkStrength.AUTO, withdrawn_at__isnull=True)
    outlets = {claim.article.outlet_id} | {e.sentence.article.outlet_id for e in automatic}

    page = claim_page(client, viewer, claim)

    counts = page.split('class="provenance__counts"')[1].split("</ul>")[0]
    word = "outlet supports" if len(outlets) == 1 else "outlets support"
    assert f'provenance__n--supports">{len(outlets)}</strong> {word} it' in counts
    total = len(claim_corroboration(claim=claim).suggestions)
    assert f'<a href="#evidence-{pending[0].pk}">{total} more suggested</a>, not yet reviewed' in counts


def test_confirming_a_suggestion_moves_it_from_suggested_to_counted(
    client: Client, viewer: User, reviewer: User, matched_corpus: Job
) -> None:
    claim = hamas()
    before = claim_corroboration(claim=claim)
    best = suggested_links(claim, Stance.SUPPORTS)[0]
    new_outlet = best.sentence.article.outlet_id not in {
        Article.objects.get(pk=r.article_id).outlet_id for r in before.reports if r.stance == Stance.SUPPORTS
    }

    review_services.evidence_decide(evidence_id=best.pk, reviewer=reviewer, decision="confirmed")
    after = claim_corroboration(claim=claim)

    assert best.pk in {r.evidence_id for r in after.reports}
    assert best.pk not in {r.evidence_id for r in after.suggestions}
    assert after.supporting_outlets == before.supporting_outlets + new_outlet
    assert len(after.suggestions) == len(before.suggestions) - 1


def test_a_toll_claim_charts_its_figure_beside_the_figures_of_the_claims_it_is_linked_to(
    client: Client, viewer: User, matched_corpus: Job
) -> None:
    claim = next(
        c
        for c in Claim.objects.order_by("id")
        if any(q.get("event") == "killed" for q in c.quantities)
        and c.evidence.filter(method=EvidenceMethod.FIGURE).exists()
    )
    linked = set(claim.evidence.filter(method=EvidenceMethod.FIGURE).values_list("via_claim_id", flat=True))

    page = claim_page(client, viewer, claim)

    chart = page.split('<figure class="figure-chart"')[1].split("</figure>")[0]
    assert chart.count("figure-chart__point--own") == 1
    charted = {int(pk) for pk in re.findall(r'href="/claims/(\d+)/"', chart)}
    assert claim.pk in charted
    assert charted & linked
