"""Hostile input over every way in: the API's writes, list filters and path ids, the upload form and
the ingest command. Generated from a fixed seed, so a failure comes back the same on every run.

What must hold: no response is a 500, every API error has the one JSON shape, every batch finishes
(each document stored or failed with a message that says why, never "internal error"), and every
stored sentence is exactly the body's text between its offsets.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import F
from django.db.models.functions import Substr
from django.test import Client

from claims.jobs import runner as job_runner
from claims.models import FINISHED_STATES, Claim, Evidence, ItemState, Job, JobItem, JobKind, JobState
from claims.services import groups as group_services
from sources.models import Article, Sentence
from tests.api.conftest import API, token_client

SEED = 17
PROSE = (
    "The Port Authority said on Monday that cargo volumes rose 12 percent in 2023. "
    "Officials in Rotterdam confirmed that 240 ships were inspected last year."
)


def _ok_text(rng: random.Random) -> str:
    return f"Harbour bulletin {rng.randrange(10**9)}\n\n{PROSE}"


# --- hostile values --------------------------------------------------------------------------------
# Strings and JSON values a careless or malicious client sends. Raw JSON fragments (Raw) are for what
# json.dumps cannot write: 1e309, NaN, deep nesting.


class Raw(str):
    """A JSON fragment to splice into a body as it is."""


def _strings(rng: random.Random) -> list[str]:
    n = rng.randrange(10**6)
    return [
        "",
        " ",
        "\x00",
        f"nul\x00{n}",
        "\ud800",
        f"lone \udfff surrogate {n}",
        "\ufeff\u200b\u202e RTL override",
        "💥" * rng.randint(1, 50),
        '=HYPERLINK("http://evil.example","x")',
        "+1-2",
        "@SUM(A1)",
        "-3",
        "\t=1",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/a",
        "http://",
        "https://example.org/" + "a" * rng.choice([10, 2100]),
        "<script>alert(1)</script>",
        "'; DROP TABLE sources_article; --",
        "(" * rng.choice([30, 400, 3000]),
        "$" * rng.choice([30, 2000]),
        "x" * rng.choice([201, 501, 2001]),
        "2024-01-01T00:00:00-23:59",
        "2024-02-30",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-23:59",
        "1e309",
        "99999999999999999999999",
        "-1",
        "0",
        "true",
        "null",
        "%00",
        "../../etc/passwd",
    ]


def _values(rng: random.Random) -> list[Any]:
    return [
        *_strings(rng),
        None,
        True,
        False,
        0,
        -1,
        1,
        10.5,
        2**63,
        2**70,
        -(2**70),
        [],
        [1, 2],
        {},
        {"a": 1},
        Raw("1e309"),
        Raw("-1e309"),
        Raw("NaN"),
        Raw("Infinity"),
        Raw("1" * 5000),
        Raw("[" * 1000 + "]" * 1000),
        Raw('{"a":' * 600 + "1" + "}" * 600),
    ]


def _json(value: Any) -> str:
    """``value`` as JSON text, with Raw fragments spliced in where they stand."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json(v) for v in value) + "]"
    return json.dumps(value)


def _mutated(rng: random.Random, base: dict[str, Any], fields: list[str]) -> Any:
    """``base`` with one to three fields (or the whole body) replaced by hostile values."""
    values = _values(rng)
    if rng.random() < 0.08:
        return rng.choice(values)  # not an object at all
    body = dict(base)
    for _ in range(rng.randint(1, 3)):
        field = rng.choice([*fields, "unexpected"])
        if rng.random() < 0.1:
            body.pop(field, None)
        else:
            body[field] = rng.choice(values)
    return body


# --- the inputs -----------------------------------------------------------------------------------


class Tally:
    """Every response's status, and the first few of each kind kept for the failure message."""

    def __init__(self) -> None:
        self.statuses: Counter[int] = Counter()
        self.server_errors: list[str] = []
        self.shape_errors: list[str] = []

    def record(self, what: str, response: Any) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.server_errors.append(f"{what} -> {response.status_code} {response.content[:200]!r}")
        elif what.startswith("/api/") and response.status_code >= 400:
            try:
                body = response.json()
                assert response["Content-Type"] == "application/json"
                assert set(body) == {"error"}
                assert {"code", "message"} <= set(body["error"])
            except (AssertionError, ValueError):
                self.shape_errors.append(f"{what} -> {response.status_code} {response.content[:200]!r}")

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def _post(client: Client, tally: Tally, path: str, body: Any, if_match: str | None = None) -> None:
    url = f"{API}/{path}"
    data = _json(body).encode("utf-8", "surrogatepass")
    headers = {} if if_match is None else {"If-Match": if_match}
    tally.record(url, client.post(url, data, content_type="application/json", headers=headers))


def _api_writes(rng: random.Random, client: Client, tally: Tally, ids: dict[str, int], rounds: int) -> None:
    article = {"text": PROSE, "title": "t", "outlet": "o", "domain": "d.example", "url": "https://d.example/a"}
    article_fields = [*article, "html", "published_at", "language", "story"]
    document_fields = [*article_fields, "body", "paragraphs", "date"]
    claim, group = ids["claim"], ids["group"]
    if_matches = ["*", f'W/"claim-{claim}-v1"', f'"claim-{claim}-v999"', "garbage", '"claim-99999999999999999999-v1"']
    for _ in range(rounds):
        single = dict(article, text=_ok_text(rng))
        _post(client, tally, "articles/", _mutated(rng, single, article_fields))
        documents = [
            _mutated(rng, dict(article, text=_ok_text(rng)), document_fields) for _ in range(rng.randint(1, 4))
        ]
        _post(client, tally, "ingest/", {"documents": documents})
        _post(client, tally, "articles/batch/", _mutated(rng, {"articles": [single]}, ["articles", "story"]))
        review = {"claim": claim, "verdict": "corroborated", "rationale": "checked"}
        _post(client, tally, "reviews/", _mutated(rng, review, list(review)), if_match=rng.choice(if_matches))
        evidence = {"claim": claim, "article": ids["article"], "start": 0, "end": 5, "stance": "supports"}
        _post(client, tally, "evidence/", _mutated(rng, evidence, [*evidence, "sentence", "note"]))
        _post(
            client,
            tally,
            f"evidence/{ids['evidence']}/decision/",
            _mutated(rng, {"decision": "rejected"}, ["decision", "note"]),
        )
        _post(client, tally, "groups/", _mutated(rng, {"claims": [claim, ids["claim2"]]}, ["claims", "note"]))
        group_writes: list[tuple[str, dict[str, Any]]] = [
            ("merge", {"claims": [claim]}),
            ("split", {"claims": [claim]}),
            ("canonical", {"claim": claim}),
        ]
        action, group_body = rng.choice(group_writes)
        _post(
            client,
            tally,
            f"groups/{group}/{action}/",
            _mutated(rng, group_body, [*group_body, "groups", "note"]),
            if_match=rng.choice(["*", f'W/"group-{group}-v1"', "x"]),
        )
        _post(
            client,
            tally,
            "webhooks/",
            _mutated(
                rng, {"url": "https://hooks.example/x", "events": ["review.recorded"]}, ["url", "events", "description"]
            ),
        )
        _post(
            client,
            tally,
            "auth/token/",
            _mutated(
                rng,
                {"username": "nobody", "password": "wrong"},
                ["username", "password", "scope", "expiry_hours", "client"],
            ),
        )


LIST_FILTERS = {
    "articles/": ["story", "outlet", "published_after", "published_before", "page", "page_size"],
    "sentences/": ["article", "kind", "cursor", "page_size"],
    "claims/": ["status", "story", "article", "outlet", "q", "published_after", "has_conflicting_figures", "cursor"],
    "reviews/": ["claim", "cursor"],
    "jobs/": ["state", "kind", "page"],
    "evidence/": ["claim", "article", "stance", "decision", "include_withdrawn"],
    "groups/": ["conflicting", "claim", "cursor"],
    "export/claims.csv": ["article", "published_before", "status"],
}
PATHS_WITH_IDS = [
    "articles/{}/",
    "sentences/{}/",
    "claims/{}/",
    "claims/{}/claimreview/",
    "reviews/{}/",
    "jobs/{}/",
    "evidence/{}/",
    "groups/{}/",
    "webhooks/{}/",
]
HOSTILE_IDS = [
    "99999999999999999999999",
    "9223372036854775808",
    "1e309",
    "-1",
    "0",
    "1.5",
    "abc",
    "%00",
    "%ED%A0%80",
    "1" * 400,
    "0x10",
]


FILTER_VALUES = [*HOSTILE_IDS, "%FF", "x%00y", "2024-01-01T00:00:00-23:59", "9999-12-31T23:59:59-23:59", "true", ""]


def _api_reads(rng: random.Random, client: Client, tally: Tally, rounds: int) -> None:
    for _ in range(rounds):
        path, names = rng.choice(list(LIST_FILTERS.items()))
        chosen = rng.sample(names, rng.randint(1, 2))
        query = "&".join(f"{name}={rng.choice(FILTER_VALUES)}" for name in chosen)
        tally.record(f"{API}/{path}?{query}", client.get(f"{API}/{path}?{query}"))
        url = f"{API}/" + rng.choice(PATHS_WITH_IDS).format(rng.choice(HOSTILE_IDS))
        tally.record(url, getattr(client, rng.choice(["get", "delete", "put", "patch"]))(url))
    for url in ["/api/", "/api/v1", "/api/v1/nothing-here/"]:
        tally.record(url, client.get(url))


# --- files: the upload form and the ingest command read the same bytes ---------------------------


def _file_cases(rng: random.Random) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of files in every shape the readers meet."""
    text = _ok_text(rng)
    n = rng.randrange(10**9)
    yield f"ok-{n}.txt", text.encode()
    yield f"utf16-nobom-{n}.txt", text.encode("utf-16-le")
    yield f"utf16-bom-{n}.txt", ("\ufeff" + text).encode("utf-16-le")
    yield f"nul-{n}.txt", text.encode().replace(b" ", b"\x00", 1)
    yield f"latin1-{n}.txt", (text + " café").encode("latin-1")
    yield f"empty-{n}.txt", b""
    yield f"brackets-{n}.txt", (f"{text}\n\n" + "(" * rng.choice([500, 5000]) + " and [[[" + "]" * 2000).encode()
    yield f"surrogate-{n}.json", b'{"text": "' + text.encode() + b' \\ud800"}'
    yield f"nul-escape-{n}.json", b'{"text": "' + text.encode() + b' \\u0000", "title": "\\u0000"}'
    yield f"deep-{n}.json", b"[" * 1000 + b"]" * 1000
    yield f"bigint-{n}.json", b'{"text": "' + text.encode() + b'", "published_at": 1' + b"0" * 5000 + b"}"
    yield (
        f"inf-{n}.json",
        b'[{"text": 1e309}, {"text": "' + text.encode() + b'", "published_at": "2024-01-01T00:00:00-23:59"}]',
    )
    yield (
        f"offset-{n}.json",
        json.dumps({"text": text, "published_at": "2024-05-01T12:00:00-23:59", "url": "javascript:alert(1)"}).encode(),
    )
    yield (
        f"types-{n}.json",
        json.dumps([{"text": 123}, {"text": text, "title": ["a"]}, {"text": text, "url": 5}, None, "x"]).encode(),
    )
    yield (
        f"lines-{n}.jsonl",
        b"\n".join(
            [
                json.dumps({"text": _ok_text(rng)}).encode(),
                b"{bad",
                b'{"text": "\\ud800 x"}',
                b"[" * 900 + b"]" * 900,
                b"\xff\xfe",
            ]
        ),
    )
    yield (
        f"page-{n}.html",
        f"<html><body><article><p>{text}</p><p>&#0; &#xD800; <a href='javascript:x'>x</a></p></article>"
        "</body></html>".encode(),
    )
    yield f"unsupported-{n}.exe", b"MZ\x00\x00"


def _upload_cases(rng: random.Random, client: Client, tally: Tally, rounds: int) -> None:
    form_fields = ["text", "title", "outlet", "url", "published_at", "story"]
    for _ in range(rounds):
        cases = list(_file_cases(rng))
        for name, data in rng.sample(cases, rng.randint(1, 3)):
            response = client.post("/upload/", {"uploads": [SimpleUploadedFile(name, data)]})
            tally.record(f"/upload/ {name}", response)
        form: dict[str, str | bytes] = {"text": _ok_text(rng)}
        for field in rng.sample(form_fields, rng.randint(1, 3)):
            # As bytes: a browser cannot send a lone surrogate, only the bytes that would encode one.
            form[field] = rng.choice(_strings(rng)).encode("utf-8", "surrogatepass")
        tally.record(f"/upload/ form {sorted(form)}", client.post("/upload/", form))
    odd_name = SimpleUploadedFile("a\x00b" + "x" * 300 + ".txt", _ok_text(rng).encode())
    tally.record("/upload/ odd name", client.post("/upload/", {"uploads": [odd_name]}))


WEB_PATHS_WITH_IDS = ["/articles/{}/", "/claims/{}/", "/claims/{}/group/", "/groups/{}/", "/jobs/{}/progress/"]


def _web_reads(client: Client, tally: Tally) -> None:
    """The reviewer pages' ids: a number past the bigint range is a 404, like any other missing object."""
    for path in WEB_PATHS_WITH_IDS:
        for value in ["99999999999999999999999", "9223372036854775808", "0"]:
            tally.record(path.format(value), client.get(path.format(value)))
    for query in [
        "page=99999999999999999999999",
        "page=-1",
        "outlet=1e309",
        "story=%00",
        "published_after=9999-12-31T23:59:59-23:59",
    ]:
        tally.record(f"/?{query}", client.get(f"/?{query}"))


def _run_queued_jobs() -> None:
    """What a worker would do: the test's transaction never commits, so nothing was sent."""
    for job_id in Job.objects.filter(kind=JobKind.INGEST, state=JobState.QUEUED).values_list("pk", flat=True):
        job_runner.job_run(job_id=job_id)


# --- the test ------------------------------------------------------------------------------------


@pytest.fixture
def targets(seed_corpus: Job, admin_user: User) -> dict[str, int]:
    """Real ids to aim the writes at, so hostile fields meet real objects too."""
    claims = list(Claim.objects.order_by("pk").values_list("pk", flat=True)[:3])
    group = group_services.group_create(claim_ids=claims[1:3], user=admin_user)
    return {
        "claim": claims[0],
        "claim2": claims[1],
        "group": group.pk,
        "evidence": Evidence.objects.order_by("pk").values_list("pk", flat=True).first() or 1,
        "article": Article.objects.order_by("pk").values_list("pk", flat=True)[0],
    }


def test_thousands_of_hostile_inputs_get_no_500_and_every_batch_goes_in(
    settings: Any, reviewer: User, targets: dict[str, int], tmp_path: Path
):
    settings.API_WRITE_RATE = settings.API_LOGIN_RATE = "100000/min"
    rng = random.Random(SEED)
    tally = Tally()
    api = token_client(reviewer)
    api.raise_request_exception = False
    web = Client(raise_request_exception=False)
    web.force_login(reviewer)

    _api_writes(rng, api, tally, targets, rounds=100)
    _api_reads(rng, api, tally, rounds=300)
    _upload_cases(rng, web, tally, rounds=60)
    _web_reads(web, tally)
    for _ in range(8):
        tally.record("/api/v1/claims/ Host", api.get(f"{API}/claims/", HTTP_HOST="evil.example"))

    folder = tmp_path / "batch"
    folder.mkdir()
    files = [case for _ in range(25) for case in _file_cases(rng)]
    for name, data in files:
        (folder / name).write_bytes(data)
    (folder / "unreadable.txt").write_bytes(b"x")
    (folder / "unreadable.txt").chmod(0)
    out = StringIO()
    # --no-wait: this test's transaction never commits, so the job is run below, as a worker would.
    call_command("ingest", str(folder), "--story", "Hostile batch", "--no-wait", stdout=out, stderr=StringIO())
    assert "document(s) queued" in out.getvalue()
    command_job = Job.objects.filter(kind=JobKind.INGEST).latest("pk")
    inputs = tally.total + len(files) + 1

    _run_queued_jobs()

    print(f"\nhostile inputs: {inputs} ({tally.total} requests, {len(files) + 1} files to the command)")
    print("statuses:", dict(sorted(tally.statuses.items())))
    items = Counter(JobItem.objects.values_list("state", flat=True))
    print("job items:", dict(items))
    assert inputs >= 2000
    assert not tally.server_errors, "\n".join(tally.server_errors[:20])
    assert not tally.shape_errors, "\n".join(tally.shape_errors[:20])

    # No aborted batch: every job finished, every item decided, each failure with a reason of its own.
    ingest_jobs = Job.objects.filter(kind=JobKind.INGEST)
    assert not ingest_jobs.exclude(state__in=FINISHED_STATES).exists()
    # A job fails only when every one of its documents did, each item saying why; never as a whole.
    assert not ingest_jobs.filter(state=JobState.FAILED).exclude(error__startswith="every one of the").exists()
    assert not JobItem.objects.filter(state=ItemState.PENDING).exists()
    internal = list(JobItem.objects.filter(message__startswith="internal error").values_list("source", "message")[:10])
    assert not internal
    assert not JobItem.objects.filter(state=ItemState.FAILED, message="").exists()
    # The command's batch: one item per document, the good ones stored despite the bad ones around them.
    command_job.refresh_from_db()
    assert command_job.state == JobState.PARTIAL  # it went on past every bad document
    assert command_job.total > len(files)  # a .json list or a .jsonl file holds several documents
    assert command_job.result["created"] >= 25
    assert command_job.result["failed"] >= 25 * 10

    # The offset invariant on everything stored.
    sentences = Sentence.objects.annotate(cut=Substr("article__body", F("start") + 1, F("end") - F("start")))
    assert sentences.count() > 100
    assert not sentences.exclude(cut=F("text")).exists()
    assert not Article.objects.exclude(url="").exclude(url__startswith="http").exists()
