"""The duplicate group screen through Django's test client: members, merge, split, canonical pick, history."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.matching.scoring import figure_group
from claims.models import (
    Claim,
    DuplicateGroup,
    Evidence,
    EvidenceMethod,
    GroupAction,
    GroupDecision,
    GroupMember,
    Job,
    Stance,
)
from claims.services.groups import group_create, group_set_canonical
from sources.models import Article, Outlet
from tests.claims.helpers import (
    claims_from_different_articles,
    death_toll_claims,
    link_conflicting_figure,
    most_restated_claim,
    same_fact_partners,
)


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def group_url(group: DuplicateGroup, action: str = "") -> str:
    return reverse(f"claims:group-{action or 'detail'}", args=[group.pk])


def members(group: DuplicateGroup) -> set[int]:
    return set(GroupMember.objects.filter(group=group).values_list("claim_id", flat=True))


# --- reading ---------------------------------------------------------------------------


def test_the_group_page_lists_members_with_outlet_article_time_and_marks(
    client: Client, viewer: User, reviewer: User, seed_corpus: Job
) -> None:
    a, b = claims_from_different_articles(2)
    Article.objects.filter(pk=a.article_id).update(
        outlet=Outlet.objects.create(name="Tehran Times"), published_at=datetime(2024, 8, 14, 9, 30, tzinfo=UTC)
    )
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer, note="same meeting")

    page = signed_in(client, viewer).get(group_url(group)).content.decode()

    for claim in (a, b):
        assert f'id="member-{claim.pk}"' in page
    assert "Tehran Times" in page
    assert "14 Aug 2024 09:30" in page
    assert "Unknown outlet" in page  # b's article names none
    assert "Canonical</span>" in page
    assert "Pinned</span>" in page
    assert "same meeting" in page
    assert reviewer.username in page


def test_a_viewer_sees_the_group_read_only_and_cannot_post(
    client: Client, viewer: User, reviewer: User, seed_corpus: Job
) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    signed_in(client, viewer)

    page = client.get(group_url(group)).content.decode()
    merge = client.post(group_url(group, "merge"), {"claims": str(c.pk), "version": group.version})
    split = client.post(group_url(group, "split"), {"claims": [a.pk], "version": group.version})
    canonical = client.post(group_url(group, "canonical"), {"claim": b.pk, "version": group.version})

    assert "<form" not in page.split('id="main"')[1].split("</main>")[0].replace('role="search"', "")
    assert (merge.status_code, split.status_code, canonical.status_code) == (403, 403, 403)
    assert members(group) == {a.pk, b.pk}
    assert GroupDecision.objects.filter(group=group).count() == 1


def test_an_unknown_group_is_a_404(client: Client, viewer: User, db: None) -> None:
    assert signed_in(client, viewer).get(reverse("claims:group-detail", args=[999999])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, reviewer: User, seed_corpus: Job) -> None:
    a, b = claims_from_different_articles(2)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    for url in (group_url(group), reverse("claims:group-list")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.post(group_url(group, "merge"), {"claims": "1", "version": 1}).status_code == 302
    assert members(group) == {a.pk, b.pk}


def test_conflicting_figures_are_shown_side_by_side_with_their_dates(
    client: Client, viewer: User, reviewer: User, seed_corpus: Job
) -> None:
    tolls = death_toll_claims()
    assert len(tolls) >= 3
    for day, claim in enumerate(tolls, start=10):
        Article.objects.filter(pk=claim.article_id).update(published_at=datetime(2024, 8, day, tzinfo=UTC))
    group = group_create(claim_ids=[c.pk for c in tolls], user=reviewer)

    page = signed_in(client, viewer).get(group_url(group)).content.decode()

    figures = page.split('id="figures-heading"')[1].split('id="group-history-heading"')[0]
    assert "Counted as killed" in figures
    for claim in tolls:
        figure = next(q for q in claim.quantities if q.get("event") == "killed")
        assert figure["text"] in figures
        assert f'href="{reverse("claims:claim-detail", args=[claim.pk])}"' in figures
    shown = re.findall(r'<time datetime="([^"]+)"', figures)
    expected = sorted(str(Article.objects.get(pk=c.article_id).published_at.isoformat()) for c in tolls)  # type: ignore[union-attr]
    assert shown == expected  # every figure carries its date, earliest first


def test_the_claim_view_links_to_its_group(client: Client, viewer: User, reviewer: User, seed_corpus: Job) -> None:
    a, b = claims_from_different_articles(2)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    page = signed_in(client, viewer).get(reverse("claims:claim-detail", args=[b.pk])).content.decode()

    assert f'href="{group_url(group)}"' in page
    assert escape(a.text[:60]) in page  # the canonical wording, when the claim is not it


# --- merge ---------------------------------------------------------------------------------


def test_a_reviewer_merges_claims_and_another_group_and_sees_it_in_the_history(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    a, b, c, d, e = claims_from_different_articles(5)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    other = group_create(claim_ids=[d.pk, e.pk], user=reviewer)
    group.refresh_from_db()

    response = signed_in(client, reviewer).post(
        group_url(group, "merge"),
        {"claims": f"#{c.pk}", "groups": str(other.pk), "note": "one meeting", "version": group.version},
    )

    assert response.status_code == 302
    assert response["Location"] == group_url(group)
    assert members(group) == {a.pk, b.pk, c.pk, d.pk, e.pk}
    assert not members(other)
    page = client.get(group_url(group)).content.decode()
    assert f'Merged in group <a href="{group_url(other)}">{other.pk}</a>' in page
    assert "one meeting" in page
    assert GroupDecision.objects.filter(group=group, action=GroupAction.MERGE, other_group=other).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"claims": "twelve"}, "twelve: give claims as numbers"),
        ({"claims": "", "groups": ""}, "Name at least one claim or group"),
        ({"claims": "999999"}, "No such live claim: 999999"),
        ({"groups": "999999"}, "No such group: 999999"),
        ({"claims": "-3"}, "-3: give claims as numbers"),
    ],
)
def test_it_rejects_a_merge_of_bad_numbers_with_a_clear_error(
    client: Client, reviewer: User, seed_corpus: Job, data: dict[str, str], message: str
) -> None:
    a, b, _c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    response = signed_in(client, reviewer).post(group_url(group, "merge"), {**data, "version": group.version})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert members(group) == {a.pk, b.pk}
    assert GroupDecision.objects.filter(group=group).count() == 1


def test_a_merge_on_a_stale_version_is_a_409_conflict_and_keeps_the_typed_input(
    client: Client, reviewer: User, second_reviewer: User, seed_corpus: Job
) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    seen = group.version
    group_set_canonical(group_id=group.pk, claim_id=b.pk, user=second_reviewer)  # someone else moved first

    words = " ".join(c.text.split()[:3])
    response = signed_in(client, reviewer).post(
        group_url(group, "merge"), {"claims": str(c.pk), "q": words, "version": seen}
    )

    body = response.content.decode()
    assert response.status_code == 409
    assert "Conflict: nothing was saved." in body
    assert "changed" in body
    assert c.pk not in members(group)
    group.refresh_from_db()
    assert group.canonical_id == b.pk  # the other reviewer's pick stands
    assert f'value="{escape(words)}"' in body  # the search words, and their results to pick again
    pick = body.split(f'id="merge-candidate-{c.pk}"')[1]
    assert re.search(rf'name="version" value="{group.version}"', pick)


# --- split ---------------------------------------------------------------------------------


def test_a_reviewer_splits_ticked_claims_out_into_a_new_group(client: Client, reviewer: User, seed_corpus: Job) -> None:
    a, b, c, d = claims_from_different_articles(4)
    group = group_create(claim_ids=[a.pk, b.pk, c.pk, d.pk], user=reviewer)

    response = signed_in(client, reviewer).post(
        group_url(group, "split"), {"claims": [c.pk, d.pk], "note": "a different day", "version": group.version}
    )

    assert response.status_code == 302
    assert members(group) == {a.pk, b.pk}
    new = GroupMember.objects.get(claim=c).group
    assert new != group
    page = client.get(group_url(group)).content.decode()
    assert f'Moved claims out to group <a href="{group_url(new)}">{new.pk}</a>' in page
    assert page.count("a different day") == 1  # recorded on both groups, shown once here
    assert (
        f'Split off from group <a href="{group_url(group)}">{group.pk}</a>'
        in client.get(group_url(new)).content.decode()
    )


def test_it_refuses_to_split_out_every_claim_or_none(client: Client, reviewer: User, seed_corpus: Job) -> None:
    a, b = claims_from_different_articles(2)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    signed_in(client, reviewer)

    every = client.post(group_url(group, "split"), {"claims": [a.pk, b.pk], "version": group.version})
    none = client.post(group_url(group, "split"), {"version": group.version})

    assert every.status_code == 400
    assert "some, not all" in every.content.decode()
    assert none.status_code == 400
    assert "Tick the claims" in none.content.decode()
    assert members(group) == {a.pk, b.pk}


def test_a_split_of_a_claim_outside_the_group_is_a_form_error(client: Client, reviewer: User, seed_corpus: Job) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    response = signed_in(client, reviewer).post(group_url(group, "split"), {"claims": [c.pk], "version": 1})

    assert response.status_code == 400
    assert "not one of the available choices" in response.content.decode()


def test_a_split_on_a_stale_version_changes_nothing(
    client: Client, reviewer: User, second_reviewer: User, seed_corpus: Job
) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk, c.pk], user=reviewer)
    seen = group.version
    group_set_canonical(group_id=group.pk, claim_id=c.pk, user=second_reviewer)

    response = signed_in(client, reviewer).post(group_url(group, "split"), {"claims": [c.pk], "version": seen})

    assert response.status_code == 409
    assert "Conflict: nothing was saved." in response.content.decode()
    assert members(group) == {a.pk, b.pk, c.pk}
    assert re.search(rf'value="{c.pk}" form="group-split" id="split-{c.pk}" checked', response.content.decode())


# --- canonical -------------------------------------------------------------------------


def test_a_reviewer_picks_the_canonical_wording(client: Client, reviewer: User, seed_corpus: Job) -> None:
    a, b = claims_from_different_articles(2)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    response = signed_in(client, reviewer).post(
        group_url(group, "canonical"), {"claim": b.pk, "version": group.version}
    )

    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.canonical_id, group.canonical_by) == (b.pk, reviewer)
    page = client.get(group_url(group)).content.decode()
    assert f"<strong>{reviewer.username}</strong> chose it" in page
    assert "Chose the canonical wording" in page


def test_a_canonical_pick_on_a_stale_version_keeps_the_first_pick(
    client: Client, reviewer: User, second_reviewer: User, seed_corpus: Job
) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk, c.pk], user=reviewer)
    seen = group.version
    group_set_canonical(group_id=group.pk, claim_id=b.pk, user=second_reviewer)

    response = signed_in(client, reviewer).post(group_url(group, "canonical"), {"claim": c.pk, "version": seen})

    assert response.status_code == 409
    assert "Conflict: nothing was saved." in response.content.decode()
    group.refresh_from_db()
    assert (group.canonical_id, group.canonical_by) == (b.pk, second_reviewer)


@pytest.mark.parametrize("data", [{"claim": "x", "version": "1"}, {"version": "1"}, {"claim": "0", "version": "1"}])
def test_a_malformed_canonical_pick_is_a_400_not_a_500(
    client: Client, reviewer: User, seed_corpus: Job, data: dict[str, str]
) -> None:
    a, b = claims_from_different_articles(2)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    response = signed_in(client, reviewer).post(group_url(group, "canonical"), data)

    assert response.status_code == 400
    assert escape("Choose one of the group's claims") in response.content.decode()


def test_a_canonical_pick_outside_the_group_is_refused(client: Client, reviewer: User, seed_corpus: Job) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    response = signed_in(client, reviewer).post(
        group_url(group, "canonical"), {"claim": c.pk, "version": group.version}
    )

    assert response.status_code == 400
    assert "The canonical wording must be one of the group" in response.content.decode()
    group.refresh_from_db()
    assert group.canonical_id == a.pk


# --- starting a group from the claim view ----------------------------------------------------


def test_a_reviewer_groups_a_claim_from_its_page(client: Client, reviewer: User, seed_corpus: Job) -> None:
    a, b, c = claims_from_different_articles(3)

    response = signed_in(client, reviewer).post(
        reverse("claims:claim-group", args=[a.pk]), {"claims": f"{b.pk}, {c.pk}", "note": "same strike"}
    )

    group = GroupMember.objects.get(claim=a).group
    assert response.status_code == 302
    assert response["Location"] == group_url(group)
    assert members(group) == {a.pk, b.pk, c.pk}


def test_grouping_a_claim_that_is_already_grouped_is_refused(client: Client, reviewer: User, seed_corpus: Job) -> None:
    a, b, c = claims_from_different_articles(3)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    response = signed_in(client, reviewer).post(reverse("claims:claim-group", args=[a.pk]), {"claims": str(c.pk)})

    assert response.status_code == 409
    assert f"already in group {group.pk}" in response.content.decode()
    assert members(group) == {a.pk, b.pk}


# --- list and query counts ------------------------------------------------------------------


def test_the_groups_list_filters_groups_with_conflicting_figures(
    client: Client, viewer: User, reviewer: User, seed_corpus: Job
) -> None:
    a, b, c, d = claims_from_different_articles(4)
    conflicting = group_create(claim_ids=[a.pk, b.pk], user=reviewer)
    calm = group_create(claim_ids=[c.pk, d.pk], user=reviewer)
    link_conflicting_figure(a, b)
    signed_in(client, viewer)

    everything = client.get(reverse("claims:group-list")).content.decode()
    filtered = client.get(reverse("claims:group-list") + "?conflicting=1").content.decode()

    assert f'href="{group_url(conflicting)}"' in everything
    assert f'href="{group_url(calm)}"' in everything
    assert f'href="{group_url(conflicting)}"' in filtered
    assert f'href="{group_url(calm)}"' not in filtered
    assert "Conflicting figures</span>" in filtered


def test_the_group_page_makes_a_fixed_number_of_queries(
    client: Client, reviewer: User, seed_corpus: Job, django_assert_max_num_queries
) -> None:
    claims = claims_from_different_articles(5)
    group = group_create(claim_ids=[c.pk for c in claims], user=reviewer)
    group_set_canonical(group_id=group.pk, claim_id=claims[2].pk, user=reviewer)
    signed_in(client, reviewer)

    with django_assert_max_num_queries(8):
        response = client.get(group_url(group))

    assert response.status_code == 200


def test_the_groups_list_makes_a_fixed_number_of_queries(
    client: Client, viewer: User, reviewer: User, seed_corpus: Job, django_assert_max_num_queries
) -> None:
    claims = claims_from_different_articles(5)
    for pair in (claims[0:2], claims[2:4]):
        group_create(claim_ids=[c.pk for c in pair], user=reviewer)
    link_conflicting_figure(claims[0], claims[1])
    signed_in(client, viewer)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("claims:group-list"))

    assert response.status_code == 200


def hamas_after_matching() -> Claim:
    from claims.services import matching as matching_services

    matching_services.claims_match(claim_ids=list(Claim.objects.values_list("pk", flat=True)))
    return Claim.objects.get(text__contains="Hamas refused to send a delegation")


def supporting_partners(claim: Claim) -> dict[int, float]:
    """The claims behind the claim's supporting semantic or lexical links, with their best score."""
    links = Evidence.objects.filter(
        claim=claim, stance=Stance.SUPPORTS, method__in=[EvidenceMethod.SEMANTIC, EvidenceMethod.LEXICAL]
    )
    best: dict[int, float] = {}
    for pk, score in links.values_list("via_claim_id", "score"):
        if pk is not None:
            best[pk] = max(best.get(pk, 0.0), score or 0.0)
    return best


def restated_after_matching() -> Claim:
    """After matching the seed corpus, the claim most other articles restate."""
    hamas_after_matching()
    return most_restated_claim()


def suggested_ids(page: str) -> set[int]:
    block = page.split('class="group-suggestions"')[1].split("</ul>")[0]
    return {int(pk) for pk in re.findall(r'name="claims" value="(\d+)"', block)}


def test_an_ungrouped_claim_offers_the_claims_that_restate_it(client: Client, reviewer: User, seed_corpus: Job) -> None:
    claim = restated_after_matching()
    partners = same_fact_partners(claim)
    assert partners

    page = signed_in(client, reviewer).get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()

    best_first = sorted(partners, key=lambda pk: (-partners[pk], pk))
    assert suggested_ids(page) == set(best_first[:5])
    block = page.split('class="group-suggestions"')[1].split("</ul>")[0]
    assert [int(pk) for pk in re.findall(r'value="(\d+)"', block)] == best_first[:5]


def test_reports_that_only_back_a_claim_propose_no_duplicate_group(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    claim = hamas_after_matching()  # backed by "Hamas has refused to participate in these talks", restated by none
    assert supporting_partners(claim)
    assert not same_fact_partners(claim)

    page = signed_in(client, reviewer).get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()

    assert 'class="group-suggestions"' not in page


def test_grouping_with_a_suggestion_makes_the_group_and_the_suggestions_go(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    claim = hamas_after_matching()
    partner = min(supporting_partners(claim))
    signed_in(client, reviewer)

    response = client.post(reverse("claims:claim-group", args=[claim.pk]), {"claims": str(partner)})

    group = DuplicateGroup.objects.get(members__claim=claim)
    assert response.status_code == 302
    assert response["Location"] == group_url(group)
    assert members(group) == {claim.pk, partner}
    page = client.get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    assert 'class="group-suggestions"' not in page


def test_a_rejected_link_is_not_suggested_and_a_viewer_gets_no_group_buttons(
    client: Client, reviewer: User, viewer: User, seed_corpus: Job
) -> None:
    from claims.services import reviews as review_services

    claim = restated_after_matching()
    partners = same_fact_partners(claim)
    rejected = min(partners)
    for link in Evidence.objects.filter(claim=claim, via_claim_id=rejected):
        review_services.evidence_decide(
            evidence_id=link.pk, reviewer=reviewer, decision="rejected", note="not the same"
        )

    reviewer_page = signed_in(client, reviewer).get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    viewer_page = signed_in(client, viewer).get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()

    assert rejected not in suggested_ids(reviewer_page)
    assert f"#{rejected} ·" not in viewer_page
    assert set(partners) - {rejected}, "the claim has more than one same-fact partner"
    assert 'class="group-suggestions"' in viewer_page
    assert "Group with #" not in viewer_page


def test_a_suggested_partner_already_in_a_group_links_to_that_group_instead_of_a_button(
    client: Client, reviewer: User, viewer: User, seed_corpus: Job
) -> None:
    claim = restated_after_matching()
    partner = min(same_fact_partners(claim))
    elsewhere = next(c for c in Claim.objects.exclude(article=claim.article).exclude(pk=partner).order_by("id"))
    group = group_create(claim_ids=[partner, elsewhere.pk], user=reviewer)

    page = signed_in(client, reviewer).get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()

    assert partner not in suggested_ids(page)
    block = page.split('class="group-suggestions"')[1].split("</ul>")[0]
    assert f'href="{group_url(group)}"' in block
    assert f"In group {group.pk}: merge there" in block
    viewer_page = signed_in(client, viewer).get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    assert f">In group {group.pk}</a>" in viewer_page  # a viewer cannot merge, so the link only says where


def test_a_deleted_claim_gets_no_grouping_suggestions(client: Client, reviewer: User, seed_corpus: Job) -> None:
    from claims.services import edits as edit_services

    claim = hamas_after_matching()
    assert supporting_partners(claim)
    edit_services.claim_delete(claim_id=claim.pk, user=reviewer, reason="duplicate of a better wording")

    page = signed_in(client, reviewer).get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()

    assert 'class="group-suggestions"' not in page


def test_the_group_page_charts_its_tolls_against_their_dates(
    client: Client, viewer: User, reviewer: User, seed_corpus: Job
) -> None:
    tolls = death_toll_claims()
    for day, claim in enumerate(tolls, start=10):
        Article.objects.filter(pk=claim.article_id).update(published_at=datetime(2024, 8, day, tzinfo=UTC))
    group = group_create(claim_ids=[c.pk for c in tolls], user=reviewer)

    page = signed_in(client, viewer).get(group_url(group)).content.decode()

    # One point per claim counting the whole toll (a claim stating two tolls is in ``tolls`` twice).
    whole = {c.pk: c for c in tolls if any(q.get("event") == "killed" and not figure_group(q) for q in c.quantities)}
    chart = page.split('<figure class="figure-chart"')[1].split("</figure>")[0]
    assert "Counted as killed</strong>" in chart  # the whole toll; a count of children gets a chart of its own
    assert chart.count('<circle class="figure-chart__point') == len(whole) >= 3
    for claim in whole.values():
        assert f'href="{reverse("claims:claim-detail", args=[claim.pk])}"' in chart


# --- outlet counts, verdict coverage, merge by search-and-pick, link labels ----------------------------


def groups_list_row(page: str, group: DuplicateGroup) -> str:
    return page.split(f'href="{group_url(group)}"')[1].split("</tr>")[0]


def test_the_groups_list_counts_distinct_outlets_by_outlet_or_domain_and_unknown_sources_apart(
    client: Client, viewer: User, reviewer: User, seed_corpus: Job
) -> None:
    a, b, c, d, e = claims_from_different_articles(5)
    reuters = Outlet.objects.create(name="Reuters", domain="reuters.com")
    Article.objects.filter(pk=a.article_id).update(outlet=reuters)
    Article.objects.filter(pk=b.article_id).update(outlet=Outlet.objects.create(name="Tehran Times"))
    # No outlet, but its address is Reuters': the same outlet, counted once.
    Article.objects.filter(pk=c.article_id).update(outlet=None, url="https://www.Reuters.com/world/a-story")
    Article.objects.filter(pk=d.article_id).update(outlet=None, url="")  # nothing known: not counted
    Article.objects.filter(pk=e.article_id).update(outlet=Outlet.objects.create(name="Al Jazeera"))
    group = group_create(claim_ids=[a.pk, b.pk, c.pk, d.pk, e.pk], user=reviewer)
    from claims.services import edits as edit_services

    edit_services.claim_delete(claim_id=e.pk, user=reviewer, reason="not a claim")  # dead claims count nothing

    page = signed_in(client, viewer).get(reverse("claims:group-list")).content.decode()

    row = groups_list_row(page, group)
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)
    assert cells[0] == "4"  # live claims
    assert cells[1].startswith("2<br>")
    assert "+ 1 unknown" in cells[1]
    assert "Distinct outlets among the articles of the group" in page  # the header says what it counts


def test_the_group_page_says_how_many_members_the_group_verdict_covers(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    from claims.services.reviews import review_record

    a, b, c = claims_from_different_articles(3)
    review_record(claim_id=c.pk, reviewer=reviewer, verdict="contested", rationale="its own look")
    group = group_create(claim_ids=[a.pk, b.pk, c.pk], user=reviewer)

    before = signed_in(client, reviewer).get(group_url(group)).content.decode()
    review_record(claim_id=a.pk, reviewer=reviewer, verdict="corroborated", rationale="three outlets")
    after = client.get(group_url(group)).content.decode()

    assert "will apply to <strong>1 member</strong> without a verdict of their own" in before
    assert "applies to <strong>1 member</strong> without a verdict of their own" in after
    assert Claim.objects.get(pk=b.pk).status == "corroborated"  # carried
    assert Claim.objects.get(pk=c.pk).status == "contested"  # its own verdict stands


def merge_search(client: Client, group: DuplicateGroup, q: str) -> str:
    return client.get(reverse("claims:group-merge-search", args=[group.pk]), {"q": q}).content.decode()


def test_the_merge_search_finds_claims_outside_the_group_by_their_words_with_article_and_group(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    wanted = Claim.objects.get(text__contains="Hamas refused to send a delegation")
    others = [c for c in claims_from_different_articles(5) if c.article_id != wanted.article_id]
    group = group_create(claim_ids=[others[0].pk, others[1].pk], user=reviewer)
    elsewhere = group_create(claim_ids=[wanted.pk, others[2].pk], user=reviewer)

    results = merge_search(signed_in(client, reviewer), group, "refused delegation")
    own = merge_search(client, group, others[0].text)

    assert f'id="merge-candidate-{wanted.pk}"' in results
    assert f'in <a href="{group_url(elsewhere)}">group {elsewhere.pk}</a> (2 claims)' in results
    assert f'name="claims" value="{wanted.pk}"' in results
    assert f'name="groups" value="{elsewhere.pk}"' in results
    assert f'id="merge-candidate-{others[0].pk}"' not in own  # already here: never offered
    assert "<html" not in results  # the partial alone, for htmx


def hamas_outside_a_group(reviewer: User) -> tuple[Claim, DuplicateGroup]:
    """The Hamas delegation claim, ungrouped, and a group of two claims of other articles."""
    wanted = Claim.objects.get(text__contains="Hamas refused to send a delegation")
    a, b = [c for c in claims_from_different_articles(4) if c.article_id != wanted.article_id][:2]
    return wanted, group_create(claim_ids=[a.pk, b.pk], user=reviewer)


def test_without_javascript_the_merge_search_renders_on_the_group_page(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    wanted, group = hamas_outside_a_group(reviewer)

    page = signed_in(client, reviewer).get(group_url(group), {"q": "refused delegation"}).content.decode()
    nothing = client.get(group_url(group), {"q": "zzzz qqqq"}).content.decode()

    assert f'id="merge-candidate-{wanted.pk}"' in page
    assert "ungrouped" in page.split(f'id="merge-candidate-{wanted.pk}"')[1]
    assert "No claim outside this group matches" in nothing
    assert 'name="claims" type="text"' not in page
    assert 'id="id_claims"' not in page


def test_picking_a_search_result_merges_it_and_redirects_to_the_group(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    wanted, group = hamas_outside_a_group(reviewer)
    members_before = members(group)
    results = merge_search(signed_in(client, reviewer), group, "refused delegation")
    version = re.search(r'name="version" value="(\d+)"', results.split(f"merge-candidate-{wanted.pk}")[1])
    assert version is not None

    response = client.post(group_url(group, "merge"), {"claims": str(wanted.pk), "version": version.group(1)})

    assert response.status_code == 302
    assert response["Location"] == group_url(group)
    assert members(group) == {*members_before, wanted.pk}


def test_a_viewer_gets_no_merge_search(client: Client, viewer: User, reviewer: User, seed_corpus: Job) -> None:
    a, b = claims_from_different_articles(2)
    group = group_create(claim_ids=[a.pk, b.pk], user=reviewer)

    response = signed_in(client, viewer).get(reverse("claims:group-merge-search", args=[group.pk]), {"q": "qatar"})

    assert response.status_code == 403
    assert "Find claims to merge in" not in client.get(group_url(group)).content.decode()


def test_the_group_page_with_a_merge_search_makes_a_fixed_number_of_queries(
    client: Client, reviewer: User, seed_corpus: Job, django_assert_num_queries
) -> None:
    claims = claims_from_different_articles(5)
    group = group_create(claim_ids=[c.pk for c in claims[:2]], user=reviewer)
    group_create(claim_ids=[c.pk for c in claims[2:4]], user=reviewer)
    signed_in(client, reviewer)

    with django_assert_num_queries(5):  # session, user, group, candidates, their groups' sizes
        partial = client.get(reverse("claims:group-merge-search", args=[group.pk]), {"q": "the"})

    assert partial.content.decode().count('class="merge-results__item"') == 10


def test_a_confirmed_link_is_labelled_confirmed_under_duplicate_group(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    from claims.services import reviews as review_services

    claim = restated_after_matching()
    partner = max(same_fact_partners(claim), key=lambda pk: same_fact_partners(claim)[pk])
    link = Evidence.objects.filter(claim=claim, via_claim_id=partner).first()
    assert link is not None
    review_services.evidence_decide(evidence_id=link.pk, reviewer=reviewer, decision="confirmed")

    page = signed_in(client, reviewer).get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()

    block = page.split('class="group-suggestions"')[1].split("</ul>")[0]
    item = block.split(f"#{partner} ·")[1].split("</span>")[0]
    assert "confirmed by a reviewer" in item
    assert "suggested" not in item
