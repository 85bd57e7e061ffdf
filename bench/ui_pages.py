"""Reviewer page timings on a large corpus: claim view, queue, article reader and duplicate group.

    python bench/ui_pages.py [--database-url postgres://…/NAME] [--claims N] [--requests N]
                             [--rebuild] [--update docs/benchmarks.md]

Builds (or reuses, when it already holds ``--claims`` claims) a PostgreSQL database: the seed
articles are ingested through the ordinary services (extraction and the in-process match job,
so real links and scoring details exist), then copied with bulk inserts until the corpus holds
``--claims`` claims: each copy is an article under one of 40 outlets with its own publication
time, the same sentences, claims and spans, its origin evidence, the seed's own cross-article
links, and one semantic link to the same claim in the previous copy (a repeated report). Every
tenth copy of a claim forms a duplicate group; a fifth of the claims carry a verdict. The
database name must contain "bench": ``--rebuild`` drops it.

Then it signs a reviewer into Django's test client (no network, DEBUG off) and times
``--requests`` GETs per page on random claims, articles and groups: median, p95 and max
wall time, and the largest number of SQL queries one request made. ``--update`` replaces the
"## Reviewer pages" section of a Markdown file (or appends one).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_db import postgres_prepare

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "samples" / "seed"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/workbench_bench_ui"
OUTLETS = 40
GROUP_EVERY = 10  # copies of one claim per duplicate group
REVIEWED_SHARE = 0.2
COPIES_PER_TRANSACTION = 40
SECTION = "## Reviewer pages"


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-ui-pages")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ.pop("CELERY_BROKER_URL", None)  # the seed's match job runs in this process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- building the corpus ---------------------------------------------------------------------


@dataclass(slots=True)
class Template:
    """The seed corpus as rows to copy."""

    articles: list[Any]
    sentences: list[Any]
    claims: list[Any]
    spans: list[Any]
    evidence: list[Any]


def _seed() -> Template:
    from django.conf import settings

    from claims.jobs import ingest as ingest_jobs
    from claims.jobs import runner as job_runner
    from claims.models import Claim, ClaimSpan, Evidence
    from sources.models import Article, Sentence
    from sources.text.reading import read_paths

    if not Article.objects.exists():
        job = ingest_jobs.job_create_ingest(documents=read_paths([SEED_DIR], max_bytes=settings.MAX_ARTICLE_BYTES))
        job_runner.job_run(job_id=job.pk)
    seeds = list(Article.objects.filter(source_name__startswith="samples/seed").order_by("id")) or list(
        Article.objects.order_by("id")[:5]
    )
    ids = [a.pk for a in seeds]
    return Template(
        articles=seeds,
        sentences=list(Sentence.objects.filter(article_id__in=ids).order_by("id")),
        claims=list(Claim.objects.filter(article_id__in=ids, deleted_at__isnull=True).order_by("id")),
        spans=list(ClaimSpan.objects.filter(claim__article_id__in=ids, claim__deleted_at__isnull=True)),
        evidence=list(
            Evidence.objects.filter(
                claim__article_id__in=ids, claim__deleted_at__isnull=True, withdrawn_at__isnull=True
            )
        ),
    )


@dataclass(frozen=True, slots=True)
class Copy:
    claims: dict[int, Any]  # template claim id -> its copy
    sentences: dict[int, int]  # template claim id -> the copy's sentence holding its first span


SEMANTIC_DETAILS = {
    "method": "semantic",
    "decision": "auto",
    "score": 0.97,
    "threshold": {"name": "upper", "value": 0.94, "upper": 0.94, "lower": 0.62},
    "signals": {"cosine": 0.97, "jaccard": 0.91, "containment": 0.95, "entities_shared": []},
    "reasons": ["synthetic copy of a seed report (benchmark corpus)"],
}


def _copy(
    template: Template, copy: int, outlets: list[Any], start: datetime, previous: Copy | None, reviewer_id: int
) -> Copy:
    """One copy of the seed articles: the new claim of each template claim, and the sentence it sits in."""
    from claims.models import Claim, ClaimSpan, ClaimStatus, Evidence, EvidenceMethod, LinkStrength, Review, Stance
    from sources.models import Article, Sentence

    articles = Article.objects.bulk_create(
        [
            Article(
                outlet=outlets[(copy * len(template.articles) + n) % len(outlets)],
                title=a.title,
                published_at=start + timedelta(minutes=17 * copy + 3 * n),
                body=a.body + f"\n\nSynthetic copy {copy}.",  # a new body: content hashes are unique
                content_hash=f"bench-{copy}-{a.content_hash}"[:64],
                source_name=f"bench copy {copy} of {a.source_name}",
            )
            for n, a in enumerate(template.articles)
        ]
    )
    article_of = {old.pk: new for old, new in zip(template.articles, articles, strict=True)}
    sentences = Sentence.objects.bulk_create(
        [
            Sentence(
                article=article_of[s.article_id],
                position=s.position,
                paragraph=s.paragraph,
                start=s.start,
                end=s.end,
                text=s.text,
                kind=s.kind,
            )
            for s in template.sentences
        ],
        batch_size=2000,
    )
    sentence_of = {old.pk: new for old, new in zip(template.sentences, sentences, strict=True)}
    rng = random.Random(copy)
    reviewed = {c.pk for c in template.claims if rng.random() < REVIEWED_SHARE}
    claims = Claim.objects.bulk_create(
        [
            Claim(
                article=article_of[c.article_id],
                text=c.text,
                status=ClaimStatus.CORROBORATED if c.pk in reviewed else ClaimStatus.UNREVIEWED,
                origin=c.origin,
                kind=c.kind,
                attribution=c.attribution,
                quantities=c.quantities,
                dates=c.dates,
                entities=c.entities,
                extractor=c.extractor,
                key=f"bench-{copy}-{c.key}"[:64],
                worthiness=c.worthiness,
            )
            for c in template.claims
        ],
        batch_size=2000,
    )
    claim_of = {old.pk: new for old, new in zip(template.claims, claims, strict=True)}
    ClaimSpan.objects.bulk_create(
        [
            ClaimSpan(claim=claim_of[s.claim_id], sentence=sentence_of[s.sentence_id], start=s.start, end=s.end)
            for s in template.spans
            if s.claim_id in claim_of
        ],
        batch_size=2000,
    )
    evidence = [
        Evidence(
            claim=claim_of[e.claim_id],
            sentence=sentence_of[e.sentence_id],
            start=e.start,
            end=e.end,
            stance=e.stance,
            method=e.method,
            score=e.score,
            details=e.details,
            strength=e.strength,
            via_claim=claim_of.get(e.via_claim_id) if e.via_claim_id else None,
        )
        for e in template.evidence
        if e.claim_id in claim_of
    ]
    first_span: dict[int, Any] = {}
    for span in sorted(template.spans, key=lambda s: (s.claim_id, s.start)):
        first_span.setdefault(span.claim_id, span)
    for old_pk, new in claim_of.items():
        span = first_span.get(old_pk)
        if previous is None or span is None or old_pk not in previous.claims:
            continue
        # The same claim in the previous copy: a repeat of this report by another outlet.
        evidence.append(
            Evidence(
                claim=new,
                sentence_id=previous.sentences[old_pk],
                start=span.start,
                end=span.end,
                stance=Stance.SUPPORTS,
                method=EvidenceMethod.SEMANTIC,
                score=0.97,
                details=SEMANTIC_DETAILS,
                strength=LinkStrength.AUTO,
                via_claim=previous.claims[old_pk],
            )
        )
    Evidence.objects.bulk_create(evidence, batch_size=2000, ignore_conflicts=True)
    Review.objects.bulk_create(
        [
            Review(claim=claim_of[pk], reviewer_id=reviewer_id, verdict="corroborated", rationale="Bench.")
            for pk in reviewed
        ]
    )
    return Copy(claim_of, {pk: sentence_of[span.sentence_id].pk for pk, span in first_span.items()})


def _bench_reviewer() -> Any:
    from django.contrib.auth.models import Group, User

    user, created = User.objects.get_or_create(username="bench-reviewer")
    if created:
        user.groups.add(Group.objects.get_or_create(name="reviewer")[0])
    return user


def _group(template: Template, copies: list[Copy]) -> None:
    from claims.models import DuplicateGroup, GroupMember

    block = [c.claims for c in copies]
    groups = DuplicateGroup.objects.bulk_create([DuplicateGroup(canonical=block[0][c.pk]) for c in template.claims])
    GroupMember.objects.bulk_create(
        [
            GroupMember(group=group, claim=copy[c.pk])
            for group, c in zip(groups, template.claims, strict=True)
            for copy in block
        ],
        batch_size=2000,
    )


def build(target: int) -> float:
    """Copy the seed until the corpus holds ``target`` claims; returns the seconds it took."""
    from django.db import transaction

    from claims.models import Claim
    from sources.models import Outlet

    began = time.perf_counter()
    template = _seed()
    reviewer = _bench_reviewer()
    outlets = [Outlet.objects.get_or_create(name=f"Bench outlet {n:02d}")[0] for n in range(OUTLETS)]
    have = Claim.objects.count()
    copies = math.ceil(max(target - have, 0) / max(len(template.claims), 1))
    start = datetime(2024, 8, 1, tzinfo=UTC)
    previous: Copy | None = None
    block: list[Copy] = []
    for first in range(0, copies, COPIES_PER_TRANSACTION):
        with transaction.atomic():
            for copy in range(first, min(first + COPIES_PER_TRANSACTION, copies)):
                previous = _copy(template, copy, outlets, start, previous, reviewer.pk)
                block.append(previous)
                if len(block) == GROUP_EVERY:
                    _group(template, block)
                    block = []
        print(f"  copies {min(first + COPIES_PER_TRANSACTION, copies)}/{copies}", file=sys.stderr, flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - began


# --- timing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timing:
    page: str
    example: str
    ms: list[float]
    queries: int

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.ms)
        return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def _time(client: Any, page: str, paths: list[str]) -> Timing:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(paths[0])  # warm caches and templates
    ms, most = [], 0
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(path)
            ms.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        most = max(most, len(queries))
    return Timing(page, paths[0], ms, most)


ASSIGNED = 500  # unreviewed claims assigned to the bench reviewer, for the "assigned to me" queue


def _assign(claim_ids: list[int]) -> None:
    from claims.services import desk as desk_services

    reviewer = _bench_reviewer()
    for pk in claim_ids:  # a claim already assigned to them appends nothing
        desk_services.claim_assign(claim_id=pk, assignee=reviewer, by=reviewer)


def measure(requests: int, seed: int = 7) -> list[Timing]:
    from django.test import Client

    from claims.models import Claim, ClaimStatus, DuplicateGroup
    from claims.selectors.review_queue import QueueFilters, queue_claims
    from sources.models import Article

    rng = random.Random(seed)
    top = Claim.objects.order_by("-id").values_list("id", flat=True).first() or 1
    claim_ids = [rng.randint(1, top) for _ in range(requests * 3)]
    live = set(Claim.objects.filter(pk__in=claim_ids).values_list("pk", flat=True))
    claims = [pk for pk in claim_ids if pk in live][:requests]
    articles = list(Article.objects.order_by("?").values_list("pk", flat=True)[:requests])
    groups = list(DuplicateGroup.objects.order_by("?").values_list("pk", flat=True)[:requests])
    client = Client()
    client.force_login(_bench_reviewer())
    unreviewed = list(Claim.objects.filter(status=ClaimStatus.UNREVIEWED).order_by("id").values_list("pk", flat=True))
    after = [rng.choice(unreviewed) for _ in range(requests)]
    _assign(rng.sample(unreviewed, min(ASSIGNED, len(unreviewed))))
    # Reviewers work from the top: "j" from one of the first 50 claims in queue order.
    first = list(queue_claims(filters=QueueFilters()).values_list("pk", flat=True)[:50])
    head = [rng.choice(first) for _ in range(requests)]
    timings = [
        _time(client, "claim view", [f"/claims/{pk}/" for pk in claims]),
        _time(client, "queue: next claim", [f"/queue/?status=unreviewed&after={pk}" for pk in after]),
        _time(client, "queue: held claim (reload)", ["/queue/"] * requests),
        _time(client, "queue: conflicting figures", [f"/queue/?status=figures&after={pk}" for pk in after]),
        _time(client, "queue: next from the head (j)", [f"/queue/?status=unreviewed&after={pk}" for pk in head]),
        _time(client, "queue: list, first 50 with why", ["/queue/list/"] * requests),
        _time(client, "queue: assigned to me", ["/queue/?assignee=me"] * requests),
        _time(client, "article reader", [f"/articles/{pk}/" for pk in articles]),
    ]
    if groups:
        timings.append(_time(client, "duplicate group", [f"/groups/{pk}/" for pk in groups]))
    timings.append(_time(client, "groups list (conflicting)", ["/groups/?conflicting=1"] * requests))
    return timings


# --- report ---------------------------------------------------------------------------------


def _counts() -> dict[str, int]:
    from claims.models import Claim, DuplicateGroup, Evidence
    from sources.models import Article, Sentence

    return {
        "articles": Article.objects.count(),
        "sentences": Sentence.objects.count(),
        "claims": Claim.objects.count(),
        "evidence": Evidence.objects.count(),
        "groups": DuplicateGroup.objects.count(),
    }


def report(timings: list[Timing], counts: dict[str, int], command: str, built: float | None, load: str) -> str:
    lines = [
        SECTION,
        "",
        "Server-side time of the reviewer pages on a large corpus, through Django's test client (no network,",
        "DEBUG off, templates rendered), signed in as a reviewer. Each request reads a different random claim,",
        "article or group; the queue requests move to a random place in the unreviewed claims and take a lease.",
        "",
        "### Commands",
        "",
        "```sh",
        command,
        "```",
        "",
        "### Machine",
        "",
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},",
        f"PostgreSQL on loopback; load average before the run: {load} (2 cores shared with other engineers' jobs).",
        "",
        "### Corpus",
        "",
        ", ".join(f"{n:,} {name}" for name, n in counts.items())
        + (f"; built in {built:.0f} s with bulk inserts." if built is not None else "; reused."),
        "",
        "### Results",
        "",
        "| page | example | requests | median ms | p95 ms | max ms | queries (max) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        lines.append(
            f"| {t.page} | `{t.example}` | {len(t.ms)} | {t.median:.1f} | {t.p95:.1f} | {max(t.ms):.1f} | {t.queries} |"
        )
    return "\n".join(lines) + "\n"


def update(path: Path, section: str, heading: str = SECTION) -> None:
    """Replace the ``heading`` section of the Markdown file with ``section`` (or append it)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if heading in text:
        head, rest = text.split(heading, 1)
        after = rest.find("\n## ")
        tail = rest[after + 1 :] if after >= 0 else ""
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--claims", type=int, default=100_000, help="Build until the corpus holds this many claims")
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per page")
    parser.add_argument("--rebuild", action="store_true", help="Drop and re-create the database first")
    parser.add_argument("--update", type=Path, help="Replace the Reviewer pages section of this Markdown file")
    args = parser.parse_args()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    postgres_prepare(args.database_url, drop=args.rebuild)
    _setup_django(args.database_url)
    from claims.models import Claim

    built = build(args.claims) if Claim.objects.count() < args.claims else None
    timings = measure(args.requests)
    command = "python bench/ui_pages.py " + " ".join(sys.argv[1:])
    section = report(timings, _counts(), command, built, load)
    print(section)
    if args.update:
        update(args.update, section)


if __name__ == "__main__":
    main()
