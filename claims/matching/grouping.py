"""Plan duplicate groups from links: pure union-find over claim ids, no Django."""

from __future__ import annotations

from dataclasses import dataclass

from claims.matching.linking import UnionFind


@dataclass(slots=True)
class Plan:
    """Where each unpinned claim should be: an existing group id, a new group (negative id), or none."""

    target: dict[int, int | None]
    new_groups: dict[int, list[int]]


def plan_groups(
    nodes: set[int],
    edges: set[tuple[int, int]],
    members: dict[int, tuple[int, bool]],
) -> Plan:
    """Union-find over unpinned claims; a cluster linked to pinned claims of exactly one group joins it.

    ``members`` maps claim -> (group, pinned). Pinned claims never move and never bridge: a cluster
    touching pinned claims of two groups (a reviewer's split) joins neither and stands alone.
    """
    pinned = {c: g for c, (g, p) in members.items() if p}
    loose = sorted(n for n in nodes if n not in pinned)
    uf = UnionFind(loose)
    anchors: dict[int, set[int]] = {}
    for a, b in edges:
        if a in pinned and b in pinned:
            continue
        if a not in pinned and b not in pinned:
            uf.union(a, b)
        else:
            free, fixed = (b, a) if a in pinned else (a, b)
            anchors.setdefault(free, set()).add(pinned[fixed])
    reviewer_groups = set(pinned.values())
    taken: set[int] = set()
    plan = Plan({}, {})
    for cluster in uf.sets():
        touching = set().union(*(anchors.get(c, set()) for c in cluster))
        target: int | None
        if len(touching) == 1:
            target = touching.pop()
        elif len(cluster) < 2:
            target = None
        else:
            target = _reusable(cluster, members, reviewer_groups | taken)
            if target is None:
                target = -(len(plan.new_groups) + 1)
                plan.new_groups[target] = cluster
            taken.add(target)
        for claim in cluster:
            plan.target[claim] = target
    return plan


def _reusable(cluster: list[int], members: dict[int, tuple[int, bool]], excluded: set[int]) -> int | None:
    """The machine-made group holding most of the cluster already (stable ids), lowest id on ties."""
    counts: dict[int, int] = {}
    for claim in cluster:
        if claim in members and members[claim][0] not in excluded:
            counts[members[claim][0]] = counts.get(members[claim][0], 0) + 1
    return min(counts, key=lambda g: (-counts[g], g)) if counts else None
