"""Named-entity mentions and a spelling-insensitive key for each, so claims about one person match.

Plain text processing (no Django). A mention is a run of proper nouns from the
parse. Its key folds transliteration variants (Baqeri / Bagheri) and word
breaks (Amir Abdollahian / Amirabdollahian); a partial mention ("Kani",
"Bagheri") takes the key of the fullest name in the same article that contains it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Span, Token

TITLES = frozenset(
    """sheikh president prime minister foreign secretary general gen dr mr mrs ms chief acting supreme leader
    ayatollah sayyid director spokesman spokeswoman king queen prince emir amir caretaker deputy ambassador
    interim senator governor mayor commander affairs state""".split()
)


# Weekdays and months are tagged as proper nouns but name no one; dates are read elsewhere.
CALENDAR_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december""".split()
)


CONNECTORS = frozenset({"bin", "bint", "ibn", "al", "el", "de", "van", "von", "der", "abu"})


# Folds that make common romanisations of one name agree; order matters (digraphs first).
_FOLDS = (("gh", "q"), ("kh", "k"), ("ou", "u"), ("ee", "i"), ("oo", "u"), ("ph", "f"), ("y", "i"), ("w", "v"))


_DOUBLE = re.compile(r"(.)\1+")


MIN_PARTIAL_LETTERS = 4


@dataclass(frozen=True, slots=True)
class Mention:
    text: str  # as written, titles included
    name: str  # the name without titles
    start: int  # offsets in the parsed sentence
    end: int


def fold(name: str) -> str:
    """Spelling-insensitive form: 'Ali Bagheri Kani' and 'Ali Baqeri Kani' fold alike."""
    ascii_only = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    letters = re.sub(r"[^a-z]", "", ascii_only)
    for a, b in _FOLDS:
        letters = letters.replace(a, b)
    return _DOUBLE.sub(r"\1", letters)


def mentions(sent: Span) -> list[Mention]:
    """Runs of proper nouns in a parsed sentence, with leading titles set apart."""
    found: list[Mention] = []
    run: list[int] = []
    tokens = list(sent)

    def close() -> None:
        while run and (
            tokens[run[-1] - sent.start].lower_ in CONNECTORS or tokens[run[-1] - sent.start].text in HYPHENS
        ):
            run.pop()
        if run:
            words = [tokens[i - sent.start] for i in run]
            # Only leading titles go: "Amir" is a title in "Amir Sheikh Tamim", a name in "Hossein Amir Abdollahian".
            lead = 0
            while lead < len(words) and (words[lead].lower_.rstrip(".") in TITLES or words[lead].text in HYPHENS):
                lead += 1
            name_words = words[lead:]
            if name_words:
                start, end = words[0].idx - sent.start_char, words[-1].idx + len(words[-1]) - sent.start_char
                name = "".join(w.text_with_ws for w in name_words).strip()
                found.append(Mention(sent.text[start:end], name, start, end))
        run.clear()

    for tok in tokens:
        if (tok.pos_ == "PROPN" and tok.text[:1].isupper() and tok.lower_ not in CALENDAR_WORDS) or (
            run and (tok.lower_ in CONNECTORS or joins_name(tok))
        ):
            run.append(tok.i)
        else:
            close()
    close()
    return found


HYPHENS = frozenset({"-", "‐", "‑"})


def joins_name(tok: Token) -> bool:
    """A hyphen written without spaces inside a name ("al-Qudra") keeps the name whole.

    (The tagger calls such a hyphen HYPH or NNP; its text is what is sure.)"""
    return tok.text in HYPHENS and not tok.whitespace_ and tok.i > 0 and not tok.doc[tok.i - 1].whitespace_


def article_keys(names: Iterable[str]) -> dict[str, str]:
    """Map each name in an article to the key of the fullest name that contains it."""
    unique = sorted(set(names), key=lambda n: (-len(n.split()), -len(n)))
    keys: dict[str, str] = {}
    for name in unique:
        folded = fold(name)
        full = next(
            (other for other in unique if len(other) > len(name) and _contains(fold(other), folded, other)),
            None,
        )
        keys[name] = keys.get(full, fold(full)) if full else folded
    return keys


def _contains(full_folded: str, part_folded: str, full_name: str) -> bool:
    if len(part_folded) < MIN_PARTIAL_LETTERS:
        return False
    # Match whole words (or runs of whole words), so 'Ali' never matches inside 'Khalil'.
    words = [fold(w) for w in full_name.split()]
    runs = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
    return part_folded in runs
