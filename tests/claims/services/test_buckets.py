"""Packed band buckets: always the same members as the band rows, whatever appends, rewordings and races did."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from claims.matching.postings import pack, unpack
from claims.models import Job, MatchBucket, MatchKey
from claims.services import buckets as bucket_services
from claims.services import edits as edit_services
from claims.services import indexing as indexing_services
from claims.services import linking as linking_services
from tests.claims.helpers import all_claim_ids, seed_claim

pytestmark = pytest.mark.django_db

Member = tuple[int, int, int, int]  # (method, band, key, claim)


def band_rows() -> Counter[Member]:
    return Counter(MatchKey.objects.values_list("method", "band", "key", "claim_id"))


def bucket_members() -> Counter[Member]:
    out: Counter[Member] = Counter()
    for method, band, key, blob in MatchBucket.objects.values_list("method", "band", "key", "members"):
        out.update((method, band, key, int(claim)) for claim in unpack(bytes(blob))["claim"])
    return out


def index_in_batches(ids: list[int], size: int) -> None:
    for lo in range(0, len(ids), size):
        indexing_services.claims_index(claim_ids=ids[lo : lo + size])


def test_indexing_copies_every_band_row_into_the_buckets_once(seed_corpus: Job) -> None:
    index_in_batches(sorted(all_claim_ids()), 40)

    assert bucket_members() == band_rows()
    assert len(band_rows()) > 1000


def test_a_reworded_claim_leaves_the_buckets_of_its_old_wording(seed_corpus: Job, reviewer: User) -> None:
    indexing_services.claims_index(claim_ids=all_claim_ids())
    hamas = seed_claim("000", "Hamas refused to send a delegation")
    old = {(m, b, k) for m, b, k, c in band_rows() if c == hamas.pk}

    edit_services.claim_edit(claim_id=hamas.pk, text="Qatar hosted the ceasefire talks in Doha", user=reviewer)
    indexing_services.claims_index(claim_ids=[hamas.pk])

    new = {(m, b, k) for m, b, k, c in band_rows() if c == hamas.pk}
    members = bucket_members()
    assert old - new
    assert not any(members[(*key, hamas.pk)] for key in old - new)
    assert members == band_rows()


def test_a_crowded_bucket_is_rebuilt_into_one_part_with_the_same_members(
    seed_corpus: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bucket_services, "MAX_PARTS", 2)
    ids = sorted(all_claim_ids())

    index_in_batches(ids, 5)  # dozens of batches: shared buckets get a part from many of them

    parts = Counter(MatchBucket.objects.values_list("method", "band", "key"))
    assert max(parts.values()) <= 2
    assert bucket_members() == band_rows()


def test_members_appended_twice_by_racing_workers_change_no_candidate(seed_corpus: Job) -> None:
    ids = sorted(all_claim_ids())
    indexing_services.claims_index(claim_ids=ids)
    before = linking_services._candidate_pairs(ids)
    rows = MatchKey.objects.values_list("claim_id", "method", "band", "key", "sketch_hi", "sketch_lo")

    bucket_services.buckets_append(rows=list(rows))  # as if a second worker had indexed the same claims

    assert bucket_members() == band_rows() + band_rows()
    assert linking_services._candidate_pairs(ids) == before


def test_rebuilding_all_buckets_packs_each_into_one_part_as_the_python_packer_does(seed_corpus: Job) -> None:
    index_in_batches(sorted(all_claim_ids()), 10)
    expected: dict[tuple[int, int, int], list[tuple[int, int | None, int | None]]] = {}
    for claim, method, band, key, hi, lo in MatchKey.objects.values_list(
        "claim_id", "method", "band", "key", "sketch_hi", "sketch_lo"
    ):
        expected.setdefault((method, band, key), []).append((claim, hi, lo))

    made = bucket_services.buckets_rebuild_all()

    stored = {
        (m, b, k): bytes(blob) for m, b, k, blob in MatchBucket.objects.values_list("method", "band", "key", "members")
    }
    assert made == len(expected) == MatchBucket.objects.count()
    assert stored == {key: pack(members) for key, members in expected.items()}


def test_the_match_command_rebuilds_lost_buckets_so_lookups_find_the_same_partners(seed_corpus: Job) -> None:
    ids = sorted(all_claim_ids())
    indexing_services.claims_index(claim_ids=ids)
    before = linking_services._candidate_pairs(ids)
    MatchBucket.objects.all().delete()  # as after an upgrade during which older workers kept indexing
    assert linking_services._candidate_pairs(ids) == {}
    out = StringIO()

    call_command("match", "--rebuild-buckets", stdout=out)

    assert "Rebuilt" in out.getvalue()
    assert bucket_members() == band_rows()
    assert linking_services._candidate_pairs(ids) == before
