"""Duplicate groups over the API: list and filter, read side by side, merge, split, canonical (If-Match)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import (
    Claim,
    DuplicateGroup,
    Evidence,
    EvidenceDecisionChoice,
    EvidenceMethod,
    GroupDecision,
    GroupMember,
    LinkStrength,
    Stance,
    TokenScope,
)
from claims.services import groups as group_services
from tests.api.conftest import API, assert_error_shape, token_client


def ships(newsroom: dict[str, Any], name: str) -> Claim:
    """The "N ships were inspected" claim of one newsroom article, stating its figure as a quantity."""
    claim = Claim.objects.get(article=newsroom["articles"][name], text__contains="ships were inspected")
    value = 200 + int(name[5])
    claim.quantities = [{"text": str(value), "value": value, "event": "inspected"}]
    claim.save(update_fields=["quantities"])
    return claim


@pytest.fixture
def grouped(newsroom: dict[str, Any], reviewer: User) -> dict[str, Any]:
    """One group of the three "ships inspected" claims (figures 201, 202, 203) and one of two cargo claims."""
    one, two, three = (ships(newsroom, f"test-{n}.txt") for n in (1, 2, 3))
    cargo = list(Claim.objects.filter(text__startswith="Cargo volumes").order_by("id")[:2])
    ships_group = group_services.group_create(claim_ids=[one.pk, two.pk, three.pk], user=reviewer)
    cargo_group = group_services.group_create(claim_ids=[c.pk for c in cargo], user=reviewer)
    return {"ships": ships_group, "cargo": cargo_group, "claims": (one, two, three), "cargo_claims": cargo}


def detail(client: APIClient, group: DuplicateGroup) -> Any:
    response = client.get(f"{API}/groups/{group.pk}/")
    assert response.status_code == 200, response.content
    return response


def post(client: APIClient, group: DuplicateGroup, verb: str, body: dict[str, Any], if_match: str | None) -> Any:
    headers: dict[str, Any] = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return client.post(f"{API}/groups/{group.pk}/{verb}/", body, format="json", **headers)


def figure_link(claim: Claim, other: Claim, decision: str = EvidenceDecisionChoice.PENDING) -> Evidence:
    span = other.spans.get()
    return Evidence.objects.create(
        claim=claim, sentence=span.sentence, start=span.start, end=span.end, stance=Stance.CONTRADICTS,
        method=EvidenceMethod.FIGURE, strength=LinkStrength.AUTO, score=0.9, via_claim=other, decision=decision,
    )  # fmt: skip


# --- reads ------------------------------------------------------------------------------


def test_group_list_shows_canonical_and_size_newest_first(as_viewer: APIClient, grouped: dict[str, Any]):
    rows = as_viewer.get(f"{API}/groups/").json()["results"]
    cargo, ships_group = grouped["cargo"], grouped["ships"]
    assert [r["id"] for r in rows] == [cargo.pk, ships_group.pk]
    first = grouped["claims"][0]
    assert rows[1]["size"] == 3
    assert rows[1]["canonical"] == {
        "id": first.pk, "text": first.text, "status": "unreviewed", "version": 1, "article": first.article_id,
    }  # fmt: skip
    assert rows[1]["canonical_by"] is None
    assert rows[0]["size"] == 2


def test_groups_filter_by_conflicting_figures(as_viewer: APIClient, grouped: dict[str, Any]):
    one, two, _ = grouped["claims"]

    def ids(**params: str) -> list[int]:
        return [r["id"] for r in as_viewer.get(f"{API}/groups/", params).json()["results"]]

    assert ids(conflicting="true") == []
    link = figure_link(one, two)
    assert ids(conflicting="true") == [grouped["ships"].pk]
    assert ids(conflicting="false") == [grouped["cargo"].pk]
    Evidence.objects.filter(pk=link.pk).update(decision=EvidenceDecisionChoice.REJECTED)
    assert ids(conflicting="true") == []
    assert_error_shape(as_viewer.get(f"{API}/groups/", {"conflicting": "maybe"}), 400, "invalid")


def test_group_detail_puts_members_and_their_figures_side_by_side(
    as_viewer: APIClient, reviewer: User, grouped: dict[str, Any]
):
    one, two, three = grouped["claims"]
    group = grouped["ships"]
    response = detail(as_viewer, group)
    assert response["ETag"] == f'"group-{group.pk}-v{group.version}"'
    data = response.json()
    assert (data["id"], data["version"], data["size"]) == (group.pk, group.version, 3)
    # Earliest published first: the newsroom articles are from January, February and March.
    members = data["members"]
    assert [m["claim"]["id"] for m in members] == [one.pk, two.pk, three.pk]
    assert [m["outlet"] for m in members] == ["Daily Ledger", "Daily Ledger", "Coast Courier"]
    assert [m["published_at"] for m in members] == [
        "2024-01-10T00:00:00Z",
        "2024-02-10T00:00:00Z",
        "2024-03-10T00:00:00Z",
    ]
    assert members[0]["article_title"] == "Harbour report number 1"
    assert [m["canonical"] for m in members] == [True, False, False]
    assert all(m["pinned"] for m in members)  # placed by a reviewer
    (inspected,) = data["figures"]
    assert inspected["event"] == "inspected"
    assert [(f["claim"], f["value"], f["outlet"]) for f in inspected["figures"]] == [
        (one.pk, 201.0, "Daily Ledger"), (two.pk, 202.0, "Daily Ledger"), (three.pk, 203.0, "Coast Courier"),
    ]  # fmt: skip
    (created,) = data["history"]
    assert (created["action"], created["claims"]) == ("merge", [one.pk, two.pk, three.pk])
    assert created["reviewer"] == reviewer.username


def test_an_unknown_group_is_a_404_in_the_error_shape(as_reviewer: APIClient, grouped: dict[str, Any]):
    missing = DuplicateGroup.objects.order_by("-id").values_list("id", flat=True)[0] + 100
    assert_error_shape(as_reviewer.get(f"{API}/groups/{missing}/"), 404, "not_found")
    assert_error_shape(post(as_reviewer, DuplicateGroup(pk=missing), "merge", {"claims": [1]}, "*"), 404, "not_found")


# --- writes -----------------------------------------------------------------------------


def test_a_reviewer_groups_claims_and_gets_the_new_group(as_reviewer: APIClient, grouped: dict[str, Any]):
    one, _, three = grouped["claims"]
    cargo = grouped["cargo_claims"][0]
    response = as_reviewer.post(f"{API}/groups/", {"claims": [three.pk, cargo.pk], "note": "Same"}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"].endswith(f"/api/v1/groups/{data['id']}/")
    assert response["ETag"] == f'"group-{data["id"]}-v{data["version"]}"'
    assert sorted(m["claim"]["id"] for m in data["members"]) == sorted([three.pk, cargo.pk])
    assert data["history"][0]["note"] == "Same"
    # Both left their old groups; the ships group keeps the rest.
    assert detail(as_reviewer, grouped["ships"]).json()["size"] == 2
    for body in ({"claims": [one.pk]}, {"claims": [one.pk, 10**12]}, {}):
        assert_error_shape(as_reviewer.post(f"{API}/groups/", body, format="json"), 400, "invalid")


def test_a_reviewer_merges_another_group_in_with_the_etag(as_reviewer: APIClient, grouped: dict[str, Any]):
    ships_group, cargo = grouped["ships"], grouped["cargo"]
    etag = detail(as_reviewer, ships_group)["ETag"]
    response = post(as_reviewer, ships_group, "merge", {"groups": [cargo.pk], "note": "Same report."}, etag)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["size"] == 5
    assert response["ETag"] == f'"group-{ships_group.pk}-v{data["version"]}"' != etag
    assert data["history"][0]["action"] == "merge"
    assert data["history"][0]["other_group"] == cargo.pk
    assert data["history"][0]["note"] == "Same report."
    assert set(GroupMember.objects.filter(group=ships_group).values_list("claim_id", flat=True)) == {
        *(c.pk for c in grouped["claims"]),
        *(c.pk for c in grouped["cargo_claims"]),
    }
    # The emptied group leaves the list but its history stays readable.
    assert [r["id"] for r in as_reviewer.get(f"{API}/groups/").json()["results"]] == [ships_group.pk]
    assert detail(as_reviewer, cargo).json()["size"] == 0


def test_a_group_write_needs_if_match_and_refuses_a_stale_one(as_reviewer: APIClient, grouped: dict[str, Any]):
    group, cargo_claim = grouped["ships"], grouped["cargo_claims"][0]
    body = {"claims": [cargo_claim.pk]}
    assert_error_shape(post(as_reviewer, group, "merge", body, None), 428, "precondition_required")
    stale = f'"group-{group.pk}-v{group.version - 1 if group.version > 1 else 99}"'
    error = assert_error_shape(post(as_reviewer, group, "merge", body, stale), 412, "stale_version")
    assert "changed" in error["message"]
    other = grouped["cargo"]
    wrong = f'"group-{other.pk}-v{other.version}"'
    assert_error_shape(post(as_reviewer, group, "merge", body, wrong), 412, "precondition_failed")
    claim_tag = f'"claim-{group.pk}-v{group.version}"'
    assert_error_shape(post(as_reviewer, group, "merge", body, claim_tag), 412, "precondition_failed")
    assert_error_shape(post(as_reviewer, group, "merge", body, "group-1"), 400, "invalid")
    # Nothing moved, nothing recorded.
    assert GroupMember.objects.get(claim=cargo_claim).group_id == other.pk
    assert DuplicateGroup.objects.get(pk=group.pk).version == group.version
    assert GroupDecision.objects.filter(group=group).count() == 1


def test_two_reviewers_with_one_etag_cannot_both_write(
    as_reviewer: APIClient, reviewer: User, second_reviewer: User, grouped: dict[str, Any]
):
    group = grouped["ships"]
    _, two, three = grouped["claims"]
    etag = detail(as_reviewer, group)["ETag"]
    assert post(as_reviewer, group, "canonical", {"claim": two.pk}, etag).status_code == 200
    late = post(token_client(second_reviewer), group, "canonical", {"claim": three.pk}, etag)
    assert_error_shape(late, 412, "stale_version")
    group.refresh_from_db()
    assert (group.canonical_id, group.canonical_by) == (two.pk, reviewer)


def test_split_returns_the_new_group_and_both_keep_the_history(
    as_reviewer: APIClient, grouped: dict[str, Any], reviewer: User
):
    group = grouped["ships"]
    one, two, three = grouped["claims"]
    response = post(as_reviewer, group, "split", {"claims": [three.pk], "note": "Other port."}, "*")
    assert response.status_code == 201, response.content
    data = response.json()
    new = DuplicateGroup.objects.get(pk=data["id"])
    assert new.pk != group.pk
    assert response["Location"].endswith(f"/api/v1/groups/{new.pk}/")
    assert response["ETag"] == f'"group-{new.pk}-v{new.version}"'
    assert data["members"] == []  # one claim alone is no group: that side is dissolved, the claim ungrouped
    assert data["figures"] == []
    assert [(h["action"], h["claims"], h["reviewer"]) for h in data["history"][:1]] == [
        ("dissolve", [three.pk], reviewer.username)
    ]
    assert (data["history"][1]["action"], data["history"][1]["other_group"]) == ("split", group.pk)
    old = detail(as_reviewer, group).json()
    assert [m["claim"]["id"] for m in old["members"]] == [one.pk, two.pk]
    split = [(h["group"], h["other_group"]) for h in old["history"] if h["action"] == "split"]
    assert sorted(split) == sorted([(group.pk, new.pk), (new.pk, group.pk)])


@pytest.mark.parametrize(
    ("verb", "body", "field"),
    [
        ("split", {"claims": "all"}, "claims"),
        ("split", {"claims": []}, "claims"),
        ("merge", {}, "claims"),
        ("merge", {"groups": [10**12]}, "groups"),
        ("merge", {"claims": [2**63]}, "claims"),
        ("canonical", {"claim": "x"}, "claim"),
        ("canonical", {}, "claim"),
    ],
)
def test_malformed_group_writes_are_400s_naming_the_field(
    as_reviewer: APIClient, grouped: dict[str, Any], verb: str, body: dict[str, Any], field: str
):
    error = assert_error_shape(post(as_reviewer, grouped["ships"], verb, body, "*"), 400, "invalid")
    assert field in error["fields"]


def test_writes_the_group_services_refuse_are_400s(as_reviewer: APIClient, grouped: dict[str, Any]):
    group = grouped["ships"]
    one, two, three = grouped["claims"]
    outsider = grouped["cargo_claims"][0]
    cases = [
        ("split", {"claims": [one.pk, two.pk, three.pk]}),  # all of them
        ("split", {"claims": [outsider.pk]}),  # not a member
        ("canonical", {"claim": outsider.pk}),
        ("merge", {"claims": [10**12]}),  # no such claim
    ]
    for verb, body in cases:
        error = assert_error_shape(post(as_reviewer, group, verb, body, "*"), 400, "invalid")
        assert set(error["fields"]) <= {"claims", "claim"}, error
    assert DuplicateGroup.objects.count() == 2
    assert GroupDecision.objects.count() == 2


def test_viewers_and_read_scoped_tokens_cannot_change_groups(
    as_viewer: APIClient, reviewer: User, grouped: dict[str, Any]
):
    group, claim = grouped["ships"], grouped["claims"][1]
    read_only = token_client(reviewer, scope=TokenScope.READ)
    for client in (as_viewer, read_only):
        assert_error_shape(post(client, group, "canonical", {"claim": claim.pk}, "*"), 403, "permission_denied")
    group.refresh_from_db()
    assert group.canonical_by is None
    assert GroupDecision.objects.filter(action="canonical").count() == 0
