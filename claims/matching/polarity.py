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

NEGATORS = frozenset(
    {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot", "nowhere"}
)
# Verbs (and verb phrases) that negate what follows or what they govern: "refused to send",
# "denied sending", "rejected the offer", "failed to reach". Matched on word stems.
_NEGATIVE_PREDICATE = re.compile(
    r"^(?:refus|den(?:y|ies|ied|ial)|reject|fail|refrain|boycott|abstain|shun|forgo|forwent|spurn|rebuff|"
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
        (("rule", "rules", "ruled"), "out"),
        (("turn", "turns", "turned"), "down"),
        (("pull", "pulls", "pulled", "back", "backed"), "out"),
        (("walk", "walks", "walked"), "away"),
    )
    for verb in verbs
)


@dataclass(frozen=True, slots=True)
class Polarity:
    negative: bool
    cues: tuple[str, ...]  # the words that made it so, for the link's explanation


def is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't")


def polarity(words: Sequence[str]) -> Polarity:
    """The polarity of a clause from its lower-cased tokens, with the cue words found."""
    cues: list[str] = []
    for i, word in enumerate(words):
        if is_negator(word) or _NEGATIVE_PREDICATE.match(word):
            cues.append(word)
        elif i + 1 < len(words) and (word, words[i + 1]) in _NEGATIVE_PHRASES:
            cues.append(f"{word} {words[i + 1]}")
    return Polarity(negative=len(cues) % 2 == 1, cues=tuple(cues))


def opposed(a: Polarity, b: Polarity) -> bool:
    """One text affirms what the other negates."""
    return a.negative != b.negative
