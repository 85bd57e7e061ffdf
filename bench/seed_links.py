"""Links between the claims of the five seed articles: supporting sentences, conflicting figures, distinct events.

    python bench/seed_links.py [ARTICLES_DIR]      default samples/seed

Drafts each article's claims (claims.extraction.drafting over sources.text segmentation, as
bench/extraction.py does), embeds them, generates candidates from band-key rows
(claims.matching.linking) and prints every link with its method, scores and threshold.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.extraction.drafting import SentenceInput, draft_article  # noqa: E402
from claims.matching import scoring  # noqa: E402
from claims.matching.linking import (  # noqa: E402
    Item,
    Link,
    Matcher,
    different_events,
    item_from_draft,
    near_duplicate_groups,
)
from claims.matching.semantic import encoder  # noqa: E402
from sources.text.cleaning import clean_text  # noqa: E402
from sources.text.segmentation import segment  # noqa: E402


@dataclass(slots=True)
class SeedClaim:
    id: int
    article: str
    sentence: str
    text: str
    spans: list[tuple[int, int]]


def seed_claims(directory: Path) -> tuple[list[SeedClaim], list[Item]]:
    claims: list[SeedClaim] = []
    drafts = []
    for path in sorted(directory.glob("*.txt")):
        segments = segment(clean_text(path.read_text(encoding="utf-8")))
        results = draft_article([SentenceInput(s.text, s.kind.value, s.paragraph) for s in segments])
        for seg, result in zip(segments, results, strict=True):
            for claim in result.claims:
                claims.append(SeedClaim(len(claims), path.name[:3], seg.text, claim.text, claim.spans))
                drafts.append(claim)
    vectors = encoder().encode([c.text for c in claims])
    items = [item_from_draft(c.id, c.article, d, vectors[c.id]) for c, d in zip(claims, drafts, strict=True)]
    return claims, items


def links_of(claim_id: int, links: list[Link]) -> list[tuple[int, Link]]:
    return [(link.b if link.a == claim_id else link.a, link) for link in links if claim_id in (link.a, link.b)]


def find(claims: list[SeedClaim], article: str, words: str) -> SeedClaim:
    return next(c for c in claims if c.article == article and words.lower() in c.text.lower())


def _line(claims: list[SeedClaim], other: int, link: Link) -> str:
    d = link.decision
    fired = d.threshold["name"] or "-"
    return (
        f"    -> seed {claims[other].article} [{d.decision}/{d.stance}, {d.method} {d.score:.3f} >= {fired} "
        f"{d.threshold['value']}, via {'+'.join(link.via)}] {claims[other].text[:110]!r}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("articles", nargs="?", type=Path, default=ROOT / "samples" / "seed")
    args = parser.parse_args()
    claims, items = seed_claims(args.articles)
    matcher = Matcher()
    candidates = matcher.candidates(items)
    scored = matcher.scored(items)
    links = [link for link in scored if link.decision.linked]
    cross = len(items) ** 2 // 2
    print(f"{len(claims)} claims in {len({c.article for c in claims})} articles; {len(candidates)} candidate pairs")
    print(f"from band rows (of about {cross} pairs); {len(links)} links")
    hamas = find(claims, "000", "refused to send a delegation")
    print(f"\n'{hamas.text}' (seed {hamas.article}):")
    for other, link in links_of(hamas.id, links):
        print(_line(claims, other, link))
    print("\nconflicting figures (stance contradicts, method figure):")
    for link in links:
        if link.decision.method == "figure":
            pairs = [p for p in link.decision.signals["quantities"]["pairs"] if not p["same"]]
            shown = "; ".join(f"{p['a']} vs {p['b']}" for p in pairs[:2])
            print(f"  seed {claims[link.a].article} x seed {claims[link.b].article} [{link.decision.decision}] {shown}")
    print("\nphone calls:")
    for article, words in (("002", "telephone conversation on Thursday"), ("004", "telephone conversation on Sunday")):
        call = find(claims, article, words)
        print(f"  seed {article}: {call.text[:120]!r}")
    thursday = find(claims, "002", "telephone conversation on Thursday")
    sunday = find(claims, "004", "telephone conversation on Sunday")
    decision = scoring.compare(items[thursday.id].features, items[sunday.id].features)
    print(f"  Thursday call vs Sunday call: {decision.decision}, method {decision.method}, reasons {decision.reasons}")
    print(f"  dates: {decision.signals['dates']}; cosine {decision.signals['cosine']}")
    groups = near_duplicate_groups([c.id for c in claims], links, apart=different_events(scored))
    together = any(thursday.id in g and sunday.id in g for g in groups)
    print(f"  in one near-duplicate group: {together}")
    print(f"\nnear-duplicate groups (auto links): {len(groups)}")
    for group in groups:
        print("  " + " | ".join(f"{claims[i].article}: {claims[i].text[:60]!r}" for i in group))


if __name__ == "__main__":
    main()
