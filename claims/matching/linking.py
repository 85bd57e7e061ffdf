"""Candidate generation from band-key rows and scoring of the candidates: the matching pipeline, no database.

Three kinds of rows put texts in the same bucket, each ``(method, band, key)``:

- ``lexical``: MinHash bands of word shingles (near-copies, reworded copies);
- ``semantic``: random-hyperplane bands of the sentence embedding (paraphrases);
- ``figure``: one row per (event counted, entity key) of each quantity, so that claims
  about the same toll of the same place meet even when their wording differs.

Any pair of texts from different articles sharing a row is scored with
``scoring.compare``; no pair is compared otherwise. The database job stores the same
rows (``rows_for``) and looks candidates up by them; this module does the same in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from claims.matching import exact, scoring
from claims.matching.calibration import Calibration
from claims.matching.lexical import I64, MinHasher
from claims.matching.scoring import MatchDecision, TextFeatures
from claims.matching.semantic import HyperplaneLSH, SimHashSketch

METHOD_IDS = {"lexical": 1, "semantic": 2, "figure": 3}
EXACT_CAP = 200  # as claims.services.linking.MAX_CANDIDATES
EXACT_BATCH = 50  # items compared with all at once (one matrix product each)


@dataclass(slots=True)
class Item:
    id: int
    article: str  # texts of one article are never linked to each other
    features: TextFeatures


@dataclass(slots=True)
class Link:
    a: int
    b: int
    via: list[str]  # which row kinds made them candidates
    decision: MatchDecision


def figure_keys(features: TextFeatures) -> list[int]:
    """One stable key per (event, entity key) of the text's quantities: 'killed' x 'gaza'."""
    events = sorted({str(q["event"]) for q in features.quantities if q.get("event")})
    out = []
    for event in events:
        for entity in sorted(features.entity_keys):
            digest = hashlib.blake2b(f"figure:{event}:{entity}".encode(), digest_size=8).digest()
            out.append(int.from_bytes(digest, "little", signed=True))
    return out


@dataclass(slots=True)
class Matcher:
    minhash: MinHasher = field(default_factory=MinHasher)
    planes: HyperplaneLSH = field(default_factory=HyperplaneLSH)
    sketcher: SimHashSketch = field(default_factory=SimHashSketch)
    # With both, supporting links are decided by the calibrated probability (``scoring.compare_many``).
    pair_logits: scoring.PairLogits | None = None
    calibration: Calibration | None = None
    # With it too, and (n, 2) logits, suggestions are decided by the support head (``scoring._supported``).
    support: Calibration | None = None
    # With it, each item's closest partners at this cosine join the band rows' (``exact``): what the database
    # path does in a corpus of at most ``MATCH_EXACT_UP_TO`` claims.
    exact_floor: float | None = None

    def sketches_for(self, items: Sequence[Item]) -> list[tuple[int | None, int | None]]:
        """Per item, the two words of its embedding's sketch (both None without an embedding), stored on its rows."""
        embedded = [i for i, item in enumerate(items) if item.features.embedding is not None]
        out: list[tuple[int | None, int | None]] = [(None, None)] * len(items)
        if embedded:
            vectors = np.stack([items[i].features.embedding for i in embedded])  # type: ignore[misc]
            for i, (hi, lo) in zip(embedded, self.sketcher.words(vectors).tolist(), strict=True):
                out[i] = (hi, lo)
        return out

    def rows_for(self, items: Sequence[Item]) -> list[list[tuple[int, int, int]]]:
        """Per item, its ``(method id, band, key)`` rows: what the database index stores."""
        texts = [item.features.text for item in items]
        signatures = self.minhash.signatures(texts)
        lexical = self.minhash.band_keys(signatures)
        embedded = [item.features.embedding is not None for item in items]
        semantic: I64 | None = None
        if any(embedded):
            vectors = np.stack(
                [
                    item.features.embedding
                    if item.features.embedding is not None
                    else np.zeros(self.planes.dim, np.float32)
                    for item in items
                ]
            )
            semantic = self.planes.row_keys(vectors)
        out: list[list[tuple[int, int, int]]] = []
        for i, item in enumerate(items):
            rows: list[tuple[int, int, int]] = []
            if not signatures.empty[i]:
                rows.extend((METHOD_IDS["lexical"], band, key) for band, key in enumerate(lexical[i].tolist()))
            if semantic is not None and embedded[i]:
                rows.extend(
                    (METHOD_IDS["semantic"], band, key)
                    for band, keys in enumerate(semantic[i].tolist())
                    for key in keys
                )
            rows.extend((METHOD_IDS["figure"], 0, key) for key in figure_keys(item.features))
            out.append(rows)
        return out

    def candidates(self, items: Sequence[Item]) -> dict[tuple[int, int], set[str]]:
        """Pairs of item positions (i < j, different articles) sharing a row, with the row kinds they share."""
        names = {v: k for k, v in METHOD_IDS.items()}
        buckets: dict[tuple[int, int, int], list[int]] = {}
        for i, rows in enumerate(self.rows_for(items)):
            for row in rows:
                buckets.setdefault(row, []).append(i)
        pairs: dict[tuple[int, int], set[str]] = {}
        for (method, _band, _key), members in buckets.items():
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    if items[i].article != items[j].article:
                        pairs.setdefault((min(i, j), max(i, j)), set()).add(names[method])
        if self.exact_floor is not None:
            for i, j in self._exact_pairs(items, self.exact_floor):
                pairs.setdefault((i, j), set()).add("semantic")
        return pairs

    def _exact_pairs(self, items: Sequence[Item], floor: float) -> set[tuple[int, int]]:
        embedded = {n: item.features.embedding for n, item in enumerate(items) if item.features.embedding is not None}
        index = exact.ExactIndex.of(embedded, floor)
        by_article: dict[str, list[int]] = {}
        for n, item in enumerate(items):
            by_article.setdefault(item.article, []).append(n)
        own = {article: np.array(ns, dtype=np.int64) for article, ns in by_article.items()}
        exclude = {n: own[items[n].article] for n in embedded}
        out: set[tuple[int, int]] = set()
        ordered = sorted(embedded)
        for lo in range(0, len(ordered), EXACT_BATCH):
            batch = ordered[lo : lo + EXACT_BATCH]
            for i, partners in exact.closest_partners(index, batch, exclude, EXACT_CAP).items():
                out.update((min(i, j), max(i, j)) for j in partners)
        return out

    def scored(self, items: Sequence[Item]) -> list[Link]:
        """Every candidate pair with its decision, linked or not (a ``none`` decision of method ``date`` says apart)."""
        pairs = sorted(self.candidates(items).items())
        decisions = scoring.compare_many(
            [(items[i].features, items[j].features) for (i, j), _ in pairs],
            pair_logits=self.pair_logits,
            calibration=self.calibration,
            support=self.support,
        )
        return [
            Link(items[i].id, items[j].id, sorted(via), decision)
            for ((i, j), via), decision in zip(pairs, decisions, strict=True)
        ]

    def link(self, items: Sequence[Item]) -> list[Link]:
        """Score every candidate pair; keep the ones the decision links (auto or suggested)."""
        return [link for link in self.scored(items) if link.decision.linked]


def needs_pair_scorer(decision: MatchDecision) -> bool:
    """Whether a pair's decision by the rules (``scoring.compare`` without a pair logit) waits on the pair scorer.

    Only a supporting semantic link does: contradictions, later counts, different days and a negation of
    another predicate are decided by their rules whatever the scorer would say.
    """
    negation = decision.signals.get("negation", {})
    unaligned = bool(negation.get("mismatch")) and not negation.get("aligned")
    return decision.method == "semantic" and decision.stance != "contradicts" and not unaligned


def scorer_pairs(
    partners: Mapping[int, Sequence[int]], waiting: Mapping[tuple[int, int], float], cap: int
) -> set[tuple[int, int]]:
    """The pairs (lower id first) the pair scorer reads: per claim, its ``cap`` partners of highest cosine.

    ``partners`` are claims' own candidates (their lookups' lists); ``waiting`` the pairs that wait on
    the scorer, with their cosines. A claim ranks only its own candidates that wait, highest cosine
    first, then lower id; a pair is read when either claim ranks it within ``cap``. Both ranks come
    from the two claims' own candidates, so the pairs read do not depend on which other claims are
    matched in the same call, and a claim never brings more than ``cap`` pairs to the scorer.
    """
    out: set[tuple[int, int]] = set()
    for a, mine in partners.items():
        ranked = sorted((-waiting[pair], b) for b in mine if (pair := (min(a, b), max(a, b))) in waiting)
        out.update((min(a, b), max(a, b)) for _, b in ranked[:cap])
    return out


def different_events(links: Iterable[Link]) -> set[tuple[int, int]]:
    """Pairs the scorer found to tell different events (different days): never in one group."""
    return {(min(x.a, x.b), max(x.a, x.b)) for x in links if x.decision.method == "date"}


class UnionFind:
    """Disjoint sets over hashable ids; the smallest id is each set's root, so results are stable."""

    def __init__(self, items: Iterable[int] = ()) -> None:
        self.parent: dict[int, int] = {x: x for x in items}

    def root(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.root(a), self.root(b)
        self.parent[max(ra, rb)] = min(ra, rb)

    def sets(self) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for x in sorted(self.parent):
            out.setdefault(self.root(x), []).append(x)
        return list(out.values())


def near_duplicate_groups(
    item_ids: Iterable[int], links: Iterable[Link], level: str = "auto", apart: Iterable[tuple[int, int]] = ()
) -> list[list[int]]:
    """Groups of items joined by supporting links (auto only by default); figures and negations never merge.

    Links join strongest first, and a link that would put a pair of ``apart`` in one group is
    skipped: a chain of similar wordings (call on Thursday ~ talks ~ call on Sunday) does not
    make two events one.
    """
    ids = list(item_ids)
    position = {item: n for n, item in enumerate(ids)}
    members: dict[int, set[int]] = {n: {n} for n in range(len(ids))}
    avoid: dict[int, set[int]] = {}
    for a, b in apart:
        if a in position and b in position:
            avoid.setdefault(position[a], set()).add(position[b])
            avoid.setdefault(position[b], set()).add(position[a])
    sets = UnionFind(range(len(ids)))
    accepted = {"auto"} if level == "auto" else {"auto", "suggested"}
    joining = [x for x in links if x.decision.stance == "supports" and x.decision.decision in accepted]
    for link in sorted(joining, key=lambda x: (-x.decision.score, x.a, x.b)):
        ra, rb = sets.root(position[link.a]), sets.root(position[link.b])
        if ra == rb or any(avoid.get(n, set()) & members[rb] for n in members[ra]):
            continue
        sets.union(ra, rb)
        root = sets.root(ra)
        members[root] |= members.pop(rb if root == ra else ra)
    return [[ids[n] for n in group] for group in sets.sets() if len(group) > 1]


def item_from_draft(item_id: int, article: str, draft: Any, embedding: npt.NDArray[np.float32] | None) -> Item:
    """An item from a ``claims.extraction.drafting.ClaimDraft`` (or a stored claim with the same fields)."""
    return Item(
        item_id,
        article,
        scoring.features(
            draft.text,
            entity_keys=[e["key"] for e in draft.entities],
            quantities=draft.quantities,
            dates=draft.dates,
            embedding=embedding,
        ),
    )
