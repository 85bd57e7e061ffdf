"""Packed bucket members and the ranking of a claim's partners among them."""

from __future__ import annotations

import numpy as np
import pytest

from claims.matching.postings import RECORD, pack, top_partners, unpack

NOTHING = np.array([], dtype=np.int64)
LEXICAL, SEMANTIC = 1, 2


def bucket(*members: tuple[int, int | None, int | None]) -> list[bytes]:
    return [pack(members)]


def test_packed_members_come_back_sorted_with_their_sketches() -> None:
    records = unpack(pack([(9, -1, 5), (3, None, None), (7, 2**62, -(2**63))]))

    assert records["claim"].tolist() == [3, 7, 9]
    assert records["hi"].tolist() == [0, 2**62, -1]
    assert records["lo"].tolist() == [0, -(2**63), 5]
    assert records["sketched"].tolist() == [0, 1, 1]


def test_a_blob_that_is_not_whole_records_is_refused() -> None:
    with pytest.raises(ValueError, match="not a whole number"):
        unpack(b"\x00" * (RECORD.itemsize + 3))


def test_partners_rank_by_sketch_distance_then_shared_rows_then_id() -> None:
    me = (0b1111, 0)
    rows = [
        (SEMANTIC, bucket((10, 0b1111, 0), (11, 0b0111, 0), (12, 0b0011, 0))),
        (SEMANTIC, bucket((12, 0b0011, 0), (13, 0b0011, 0))),
        (LEXICAL, bucket((11, 0b0111, 0))),
    ]

    found = top_partners(me, rows, NOTHING, cap=10)

    assert [(p.claim, p.distance, p.shared) for p in found] == [(10, 0, 1), (11, 1, 2), (12, 2, 2), (13, 2, 1)]
    assert found[1].kinds == frozenset({LEXICAL, SEMANTIC})


def test_the_distance_counts_all_64_bits_of_negative_words() -> None:
    # numpy's bitwise_count of a signed word counts the bits of its absolute value; -1 has 64 set bits.
    found = top_partners((-1, -1), [(SEMANTIC, bucket((5, 0, 0), (6, -1, 0)))], NOTHING, cap=2)

    assert [(p.claim, p.distance) for p in found] == [(6, 64), (5, 128)]


def test_partners_without_a_sketch_come_last_with_no_distance() -> None:
    rows = [(SEMANTIC, bucket((4, None, None), (5, 7, 7))), (LEXICAL, bucket((4, None, None)))]

    found = top_partners((7, 7), rows, NOTHING, cap=5)

    assert [(p.claim, p.distance) for p in found] == [(5, 0), (4, None)]


def test_excluded_claims_never_take_a_place_under_the_cap() -> None:
    rows = [(SEMANTIC, bucket((1, 0, 0), (2, 0, 0), (3, 1, 0)))]

    found = top_partners((0, 0), rows, np.array([1, 2], dtype=np.int64), cap=1)

    assert [p.claim for p in found] == [3]


def test_a_member_listed_twice_in_one_bucket_counts_once() -> None:
    twice = [(SEMANTIC, [*bucket((8, 0, 0)), *bucket((8, 0, 0), (9, 0, 0))])]

    found = top_partners((0, 0), twice, NOTHING, cap=5)

    assert [(p.claim, p.shared) for p in found] == [(8, 1), (9, 1)]


def test_a_claim_alone_in_its_buckets_has_no_partners() -> None:
    assert top_partners((0, 0), [(SEMANTIC, []), (LEXICAL, bucket())], NOTHING, cap=5) == []
