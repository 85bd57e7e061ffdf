"""The polarity of a claim's predicate, so that stance compares meanings, not negation words.

"Hamas did not send a delegation" and "Hamas refused to send a delegation" say the same
thing: both predicates are negative, one through "not", the other through a verb that
negates its complement. "Hamas agreed to send a delegation" says the opposite of both.
A text's polarity is the parity of its negators and negative predicates ("did not refuse"
is positive again). Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from claims.matching.lexical import STOPWORDS, content_of, tokens

NEGATORS = frozenset(
    {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot", "nowhere"}
)
# Contractions typed without their apostrophe ("we dont broaden the tent"); "wont" and "cant" are
# left out: they are words of their own too.
_BARE_CONTRACTIONS = frozenset(
    {"dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "hasnt", "havent", "hadnt", "couldnt",
     "wouldnt", "shouldnt", "mustnt", "neednt", "aint"}
)  # fmt: skip
# Verbs (and verb phrases) that negate what follows or what they govern: "refused to send",
# "denied sending", "rejected the offer", "failed to reach". Matched on word stems.
_NEGATIVE_PREDICATE = re.compile(
    # "denial" and "failure" are left out: nouns ("climate change denial", "crop failures") negate no predicate.
    r"^(?:refus|den(?:y|ies|ied)|reject|fail(?:s|ed|ing)?$|refrain|boycott|abstain|shun|forgo|forwent|spurn|rebuff|"
    r"dismiss|veto|withh[oe]ld|halt|suspend|cancel|scrap|abandon|prevent|prohibit|avoid|unabl|unwilling|reluctan|"
    # Whole words only where a longer word means something else: ceasefire, blockade, bank, barrack.
    r"(?:stop|block|ban|bar)(?:s|ped|ping|ed|ing|ned|ning|red|ring)?$|ceas(?:e|es|ed|ing)$)",
)
# Two-word predicates that negate: "declined to comment" (but not "prices declined"), "ruled out talks",
# "turned down the offer", "pulled out of the talks".
_NEGATIVE_PHRASES = frozenset(
    (verb, particle)
    for verbs, particle in (
        (("decline", "declines", "declined", "declining"), "to"),
        # "declined comment" is "would not comment"; "prices declined" has no object.
        (("decline", "declines", "declined", "declining"), "comment"),
        (("rule", "rules", "ruled"), "out"),
        (("turn", "turns", "turned"), "down"),
        (("pull", "pulls", "pulled", "back", "backed"), "out"),
        (("walk", "walks", "walked"), "away"),
    )
    for verb in verbs
)


# "no" and "without" negate the noun they govern ("gave no details", "without a shot fired"): the
# cue carries that noun, and it says nothing about a text that does not mention it.
NOUN_NEGATORS = frozenset({"no", "without"})
_DETERMINERS = frozenset({"a", "an", "the", "any", "more", "further", "other", "such", "single"})


@dataclass(frozen=True, slots=True)
class Polarity:
    negative: bool
    cues: tuple[str, ...]  # the words that made it so, for the link's explanation
    # The words of the clauses the cues bear on (``text_polarity``); empty when not read (a bare word list).
    scope: tuple[str, ...] = ()


def is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith(("n't", "n’t")) or word in _BARE_CONTRACTIONS


def polarity(words: Sequence[str]) -> Polarity:
    """The polarity of a clause from its lower-cased tokens, with the cue words found.

    "No." before a number ("No. 1 court") is no negator, "not only" adds rather than negates, and
    "neither ... nor" is one negation, not two that cancel. A noun negator's cue names its noun: "no details".
    """
    cues = _cues(words, [])
    return Polarity(negative=len(cues) % 2 == 1, cues=tuple(cues))


# Where a text's clauses part: commas (not those inside a number: "37,945"), semicolons, colons, brackets,
# quotation marks and dashes.
_SEGMENTS = re.compile(r",(?!\d)|[;:()\[\]\"“”«»]|\s[-–—]+\s|[–—]")
_CONDITIONALS = frozenset({"if", "unless"})
_ANSWERS = frozenset({"no", "yes"})
# A negation bears on its own clause: "Hamas refused to send a delegation after Israel killed its chief" does
# not deny the killing. Its scope ends where a subordinate clause starts ("that" is left out: "denied that it
# is obstructing a deal" negates what follows it).
_SUBORDINATORS = frozenset(
    {"after", "before", "because", "since", "while", "when", "whereas", "although", "though", "which", "who",
     "whom", "whose", "until"}
)  # fmt: skip


def text_polarity(text: str) -> Polarity:
    """The polarity of a whole text, read clause by clause, with what a bare word list cannot tell apart.

    - A clause that starts with "not" after another is a contrast ("caused by lightning, not climate
      change"): it negates the noun it names, not the text's predicate, so its cue is "not <noun>" and
      bears only on a text that mentions the noun, like "no <noun>".
    - What follows "if" or "unless" in a clause is a condition, not an assertion ("if the talks are not
      resumed, ..."): its cues are left out.
    - A text that opens with "Without …," states a condition too ("Without a deal, the truce ends").
    - "No," or "Yes," alone is an answer, not a negation of the clause after it.

    Its ``scope`` is the words each cue bears on: its clause, from after the subordinator or "but" before
    the cue to the next subordinator, read on past a comma when nothing follows the cue in its clause.
    """
    cues: list[str] = []
    scope: list[str] = []
    opening = True
    carried = False  # the last cue ended its clause ("would not, under any circumstances, send"): read on to the end
    for segment in _SEGMENTS.split(text):
        words = tokens(segment)
        if not words or (len(words) == 1 and words[0] in _ANSWERS):
            continue
        first, opening = opening, False
        if first and words[0] == "without" and _SEGMENTS.search(text):
            continue
        if not first and _contrasts(words) and (phrase := _governed_phrase(words[1:5])):
            # No scope: a contrast bears on the noun it names ("relevant"), not on a predicate.
            cues.append(f"not {phrase}")
            continue
        condition = next((i for i, w in enumerate(words) if w in _CONDITIONALS), len(words))
        found = _cues(words[:condition], cues)
        if carried:
            scope.extend(_clause_from(words[:condition], 0))
        if found:
            at = _placed_cues(words[:condition], cues)[0][0]
            start, end = _clause_of_cue(words[:condition], at)
            scope.extend(words[start:end])
            # Nothing said after the cue in its clause: what it negates follows the comma or bracket.
            carried = not content_of(words[at + 1 : end])
        cues.extend(found)
    return Polarity(negative=len(cues) % 2 == 1, cues=tuple(cues), scope=tuple(scope))


def _clause_of_cue(words: Sequence[str], at: int) -> tuple[int, int]:
    """Where the clause of the cue at ``at`` starts and ends: after the subordinator or "but" before it ("Israel
    killed him after Hamas refused …" negates what Hamas did), up to the first subordinator after it."""
    start = max((i + 1 for i in range(at) if words[i] in _SUBORDINATORS or words[i] == "but"), default=0)
    return start, at + _clause_end(words[at:])


def _clause_from(words: Sequence[str], start: int) -> Sequence[str]:
    return words[start : start + _clause_end(words[start:])]


def _clause_end(words: Sequence[str]) -> int:
    """Where the first subordinate clause starts (after the first word)."""
    return next((i for i in range(1, len(words)) if words[i] in _SUBORDINATORS), len(words))


def _contrasts(words: Sequence[str]) -> bool:
    """A clause that opens with "not" (but not "not only"), after another: "…, not climate change"."""
    return words[0] == "not" and words[1:2] != ["only"]


def _cues(words: Sequence[str], before: Sequence[str]) -> list[str]:
    """The cue words of one clause (``before``: the cues of the clauses before it, for "neither … nor")."""
    return [cue for _, cue in _placed_cues(words, before)]


def _placed_cues(words: Sequence[str], before: Sequence[str]) -> list[tuple[int, str]]:
    """``_cues`` with the position of each cue's first word."""
    cues: list[tuple[int, str]] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if (word == "no" and following[:1].isdigit()) or (
            word == "nor" and "neither" in (*before, *(c for _, c in cues))
        ):
            continue
        if (word == "not" and following == "only") or (word == "no" and following == "doubt"):
            continue  # "not only" adds, "no doubt" affirms
        if word in NOUN_NEGATORS and (phrase := _governed_phrase(words[i + 1 : i + 5])):
            cues.append((i, f"{word} {phrase}"))
        elif is_negator(word) or _NEGATIVE_PREDICATE.match(word):
            cues.append((i, word))
        elif (word, following) in _NEGATIVE_PHRASES:
            cues.append((i, f"{word} {following}"))
    return cues


def _governed_phrase(after: Sequence[str]) -> str:
    """The (at most two) words after the determiners: "no statistical evidence", "without a shot"."""
    words = [w for w in after if w not in _DETERMINERS and w not in STOPWORDS and w.isalpha()][:2]
    return " ".join(words)


def negated_noun(cue: str) -> str | None:
    """The words a "no …" / "without …" / contrastive "not …" cue negates, or None for any other cue."""
    first, _, rest = cue.partition(" ")
    return rest if first in (*NOUN_NEGATORS, "not") and rest else None


def mentions(words: Sequence[str], phrase: str) -> bool:
    """Whether a text's words name any word of the phrase, in any inflection ("increase", "increased")."""
    return any(_same_stem(w, p) for p in phrase.split() for w in words)


def _same_stem(a: str, b: str) -> bool:
    if a == b:
        return True
    shared = next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return shared >= 4 and shared >= max(len(a), len(b)) - 2


def relevant(cues: Sequence[str], other_words: Sequence[str]) -> Polarity:
    """The polarity of a text's cues that bear on the other text: a negated noun it does not mention does not."""
    kept = tuple(c for c in cues if (noun := negated_noun(c)) is None or mentions(other_words, noun))
    return Polarity(negative=len(kept) % 2 == 1, cues=kept)


def opposed(a: Polarity, b: Polarity) -> bool:
    """One text affirms what the other negates."""
    return a.negative != b.negative
