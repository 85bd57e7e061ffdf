"""Split a parsed sentence into atomic claims with their attribution. Pure spaCy, no Django.

A claim is one clause of the dependency parse: the main clause, each conjoined
predicate, each adverbial clause with a subject of its own, each relative clause
and each appositive that states a fact about a name. Reporting clauses ("Kani
said", "according to IRNA") are not claims: they become the attribution of the
content they report."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from claims.extraction.entities import CONNECTORS, HYPHENS, TITLES, joins_name

REPORTING_FORMS = frozenset(
    """say says said saying tell tells told telling add adds added adding state states stated
    announce announces announced announcing note notes noted claim claims claimed insist insists
    insisted stress stresses stressed stressing emphasize emphasized emphasizes emphasise emphasised
    warn warned warns confirm confirmed confirms report reported reports write wrote writes explain
    explained argue argued remark remarked detail detailed reiterate reiterated estimate estimates
    estimated allege alleged alleges acknowledge acknowledged declare declared""".split()
)


# Verbs of stance whose object is the statement itself ("Baqeri condemned the attacks"): the
# clause stays the claim, and its subject is credited with it as reported speech.
STANCE_FORMS = frozenset(
    """condemn condemns condemned condemning criticise criticised criticize criticized criticizing
    criticising slam slammed slams praise praised praising accuse accused accuses blame blamed blames
    deny denied denies underscore underscored underlined underline emphasised emphasized emphasizing
    emphasising stressed stressing urge urged urges demand demanded demands call called calls warned
    warning expressed express voiced voice labeled labelled labeling labelling deemed deem advocated
    appealed refuted refuting reaffirmed reaffirm pointed""".split()
)


SUBJECTS = frozenset({"nsubj", "nsubjpass", "csubj", "expl"})


# Words that make a phrase a person's office ("Health Ministry spokesman", "Prime Minister"): a name after
# one of them is the person credited, and the phrase is their role. Honorifics (Sheikh, Dr) are not offices.
OFFICES = frozenset(
    """minister spokesman spokeswoman spokesperson president chief secretary director leader ambassador envoy
    governor mayor senator commander general gen king queen prince emir amir official head adviser advisor
    premier chancellor representative negotiator diplomat officer""".split()
)


NAME_OR_OFFICE = frozenset({"amir"})


HONORIFICS = frozenset({"sheikh", "dr", "mr", "mrs", "ms", "sayyid", "ayatollah"})


CLAUSE_POS = frozenset({"VERB", "AUX"})


OPEN_QUOTES = frozenset({"“", "«"})


CLOSE_QUOTES = frozenset({"”", "»"})


QUOTES = OPEN_QUOTES | CLOSE_QUOTES | {'"'}


RELATIVE_PRONOUNS = frozenset({"which", "who", "that", "whom"})


MIN_CLAIM_TOKENS = 3


IRREGULAR_PAST = {
    "being": "was", "having": "had", "saying": "said", "making": "made", "taking": "took", "giving": "gave",
    "telling": "told", "leaving": "left", "bringing": "brought", "seeking": "sought", "holding": "held",
    "meeting": "met", "putting": "put", "running": "ran", "keeping": "kept", "getting": "got", "coming": "came",
    "going": "went", "cutting": "cut", "setting": "set", "hitting": "hit", "killing": "killed", "leading": "led",
    "speaking": "spoke", "writing": "wrote", "sending": "sent", "spending": "spent", "building": "built",
    "finding": "found", "showing": "showed", "paying": "paid", "standing": "stood", "losing": "lost",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Attribution:
    source: str  # the person when the sentence names one beside a title, else the words as written
    verb: str
    kind: str  # direct_quote | reported_speech | according_to
    start: int  # offsets of the source's words in the sentence
    end: int
    role: str = ""  # the title the sentence gives the named person ("Health Ministry spokesman")

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "source": self.source, "verb": self.verb, "kind": self.kind, "start": self.start, "end": self.end
        }  # fmt: skip
        if self.role:
            out["role"] = self.role
        return out


@dataclass(slots=True)
class AtomicClaim:
    text: str
    spans: list[tuple[int, int]]  # character spans in the sentence, in order
    attribution: list[Attribution] = field(default_factory=list)
    kind: str = "clause"  # clause | appositive | relative


@dataclass(slots=True)
class _Clause:
    tokens: set[int]
    head: Token
    subject: list[int]  # a subject borrowed from the head clause (lies outside ``tokens``)
    attribution: list[Attribution]
    kind: str = "clause"
    replace: dict[int, str] = field(default_factory=dict)  # token -> text said instead
    insert: dict[int, str] = field(default_factory=dict)  # token -> text said after it


def _subtree(token: Token) -> set[int]:
    return {t.i for t in token.subtree}


def _subject_of(token: Token) -> Token | None:
    return next((c for c in token.children if c.dep_ in SUBJECTS), None)


def _is_reporting(token: Token) -> bool:
    return token.lower_ in REPORTING_FORMS


def _quoted_indices(sent: Span) -> set[int]:
    inside, quoted = False, set()
    for tok in sent:
        if tok.text in OPEN_QUOTES or (tok.text == '"' and not inside):
            inside = True
        elif tok.text in CLOSE_QUOTES or tok.text == '"':
            inside = False
        elif inside:
            quoted.add(tok.i)
    # A quote that opened in an earlier sentence and closes here covers the start.
    if not any(t.text in OPEN_QUOTES for t in sent) and any(t.text in CLOSE_QUOTES for t in sent):
        close = next(t.i for t in sent if t.text in CLOSE_QUOTES)
        quoted |= set(range(sent.start, close))
    return quoted


def _noun_phrase(token: Token) -> list[int]:
    """The name or noun phrase headed by ``token``, without clauses or appositives hanging off it."""
    keep = {"compound", "det", "amod", "poss", "case", "nummod", "quantmod", "flat", "nmod"}
    out = {token.i}
    for child in token.children:
        if child.dep_ in keep:
            out |= _subtree(child)
    return sorted(out)


def _text_span(doc: Doc, idx: list[int]) -> str:
    start, end = doc[idx[0]].idx, doc[idx[-1]].idx + len(doc[idx[-1]])
    return doc.text[start:end]


def _past_tense(word: str) -> str:
    """'noting' -> 'noted': turns a participial clause into a standalone statement."""
    lower = word.lower()
    if lower in IRREGULAR_PAST:
        return IRREGULAR_PAST[lower]
    stem = lower[:-3]
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        stem = stem[:-1]
    return stem + ("d" if stem.endswith("e") else "ed")


class _Splitter:
    """Walks one sentence's parse and collects its clauses."""

    def __init__(self, sent: Span) -> None:
        self.sent = sent
        self.doc = sent.doc
        self.base = sent.start_char
        self.quoted = _quoted_indices(sent)
        self.clauses: list[_Clause] = []
        self.outer: list[Attribution] = []  # "as reported by X", "according to X": apply to every claim
        self.removed: set[int] = set()

    def run(self) -> list[AtomicClaim]:
        self._attribution_phrases()
        self._clause(self.sent.root, inherited=[], attribution=[])
        return [c for c in (self._finish(cl) for cl in self.clauses) if c is not None]

    def _attribution(self, verb: Token, source: Iterable[int], kind: str, subject: Token | None = None) -> Attribution:
        """Who ``source`` credits: the named person with their title as role when it gives both."""
        idx = sorted(i for i in source if not self.doc[i].is_punct)
        if not idx:
            return Attribution("", verb.text, kind, 0, 0)
        person, role = self._person_and_role(idx, subject)
        if person:
            start, end = self._char_span(person)
            return Attribution(
                self.doc.text[start:end], verb.text, kind, start - self.base, end - self.base, self._role_text(role)
            )
        start, end = self._char_span(idx)
        return Attribution(self.doc.text[start:end], verb.text, kind, start - self.base, end - self.base)

    def _char_span(self, idx: list[int]) -> tuple[int, int]:
        return self.doc[idx[0]].idx, self.doc[idx[-1]].idx + len(self.doc[idx[-1]])

    def _role_text(self, idx: list[int]) -> str:
        idx = [i for i in idx if not self.doc[i].is_punct]
        while idx and self.doc[idx[0]].dep_ == "det":  # "the foreign minister" -> "foreign minister"
            idx = idx[1:]
        while idx and self.doc[idx[-1]].lower_.rstrip(".") in HONORIFICS | CONNECTORS:
            idx = idx[:-1]  # "Prime Minister Sheikh" -> "Prime Minister": the honorific is not the office
        return self.doc.text[slice(*self._char_span(idx))] if idx else ""

    def _person_and_role(self, idx: list[int], subject: Token | None) -> tuple[list[int], list[int]]:
        """'Qatar's Prime Minister Mohammed bin Abdulrahman Al Thani' -> his name and 'Qatar's Prime Minister';
        'the foreign minister, Ali Bagheri Kani,' -> the appositive name and 'the foreign minister'."""
        inside = set(idx)
        head = (
            subject
            if subject is not None
            else next((self.doc[i] for i in idx if self.doc[i].head.i not in inside), None)
        )
        if head is None:
            return [], []
        appos = next((c for c in head.children if c.dep_ == "appos"), None)
        if appos is not None:
            outer = sorted(_subtree(head) - _subtree(appos))
            inner = sorted(_subtree(appos))
            if head.pos_ != "PROPN" and appos.pos_ == "PROPN":
                name, _ = self._trailing_name(inner)
                return (name, outer) if name else ([], [])
            if head.pos_ == "PROPN" and appos.pos_ != "PROPN":
                name, _ = self._trailing_name(outer)
                return (name, inner) if name else ([], [])
        name, role = self._trailing_name([i for i in idx if i in _subtree(head)])
        if name and any(self._office(i, first=n == 0) for n, i in enumerate(role)):
            return name, role
        return [], []

    def _office(self, i: int, *, first: bool) -> bool:
        # "Amir" opens a name ("Amir Abdollahian") and names an office after a country ("Qatar's Amir").
        word = self.doc[i].lower_.rstrip(".")
        return word in OFFICES and not (first and word in NAME_OR_OFFICE)

    def _trailing_name(self, idx: list[int]) -> tuple[list[int], list[int]]:
        """The proper name that ends a phrase, without the titles before it, and what precedes it."""
        idx = [i for i in idx if not (self.doc[i].is_punct and self.doc[i].text not in HYPHENS)]
        start = len(idx)
        while start > 0 and self._name_word(idx[start - 1], idx[start] if start < len(idx) else None):
            start -= 1
        # Titles, honorifics and connectors before the name belong to the role ("Acting Foreign Minister").
        while start < len(idx) and (
            self.doc[idx[start]].lower_.rstrip(".") in TITLES | OFFICES | HONORIFICS | CONNECTORS
            or self.doc[idx[start]].text in HYPHENS
        ):
            start += 1
        return idx[start:], idx[:start]

    def _name_word(self, i: int, after: int | None) -> bool:
        tok = self.doc[i]
        if tok.text in HYPHENS:  # "al-Qudra": a hyphen between two parts of one name
            return after is not None and joins_name(tok)
        return (tok.pos_ == "PROPN" and tok.text[:1].isupper()) or (after is not None and tok.lower_ in CONNECTORS)

    def _attribution_phrases(self) -> None:
        for tok in self.sent:
            if tok.lower_ == "according" and tok.dep_ == "prep":
                to = next((c for c in tok.children if c.lower_ == "to"), None)
                obj = next((c for c in to.children if c.dep_ == "pobj"), None) if to else None
                if obj is not None:
                    self.outer.append(self._attribution(tok, _subtree(obj), "according_to"))
                    self.removed |= _subtree(tok)
            elif tok.dep_ == "advcl" and _is_reporting(tok) and any(c.lower_ == "as" for c in tok.children):
                agent = next((c for c in tok.children if c.dep_ == "agent"), None)
                obj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent else None
                if obj is not None:
                    self.outer.append(self._attribution(tok, _subtree(obj), "according_to"))
                    self.removed |= _subtree(tok)

    def _content_children(self, verb: Token) -> list[Token]:
        return [c for c in verb.children if c.dep_ in {"ccomp", "parataxis"} and c.pos_ in CLAUSE_POS]

    def _separable(self, head: Token) -> list[Token]:
        out = []
        # "refused to send … after Israel killed …": the clause's verb group includes its xcomp chain.
        group = [head]
        while (xcomp := next((c for c in group[-1].children if c.dep_ == "xcomp"), None)) is not None:
            group.append(xcomp)
        for child in (c for verb in group for c in verb.children):
            if child.i in self.removed:
                continue
            if child.dep_ == "prep" and child.lower_ == "with" and self._absolute(child):
                out.append(child)
                continue
            if child.pos_ not in CLAUSE_POS:
                continue
            if (
                child.dep_ == "conj"
                or (child.dep_ == "advcl" and (_subject_of(child) is not None or child.tag_ == "VBG"))
                or (child.dep_ in {"ccomp", "parataxis"} and _is_reporting(head))
            ):
                out.append(child)
        return out

    def _absolute(self, prep: Token) -> bool:
        """'…, with 85,523 others injured' / 'with the toll expected to rise': a second fact, not a modifier."""
        for child in prep.children:
            if child.dep_ == "pcomp" and child.pos_ in CLAUSE_POS and _subject_of(child) is not None:
                return True
            if child.dep_ == "pobj" and any(c.dep_ == "acl" and c.pos_ == "VERB" for c in child.children):
                return True
        return False

    def _clause(self, head: Token, inherited: list[int], attribution: list[Attribution]) -> None:
        if head.dep_ == "prep":  # an absolute "with" construction: its own subject, never a borrowed one
            clause = _Clause(_subtree(head) - {head.i} - self.removed, head, [], attribution)
            verb = next((c for c in head.children if c.dep_ == "pcomp" and c.tag_ == "VBG"), None)
            if verb is not None:
                clause.replace[verb.i] = _past_tense(verb.text)
            self.clauses.append(clause)
            return
        subject = _subject_of(head)
        subject_idx = self._bare_subject(subject) if subject is not None else inherited
        children = self._separable(head)
        content = self._content_children(head) if _is_reporting(head) else []
        tokens = _subtree(head) - self.removed
        for child in children:
            tokens -= _subtree(child)
        own = attribution
        if content:
            quoted = any(t.i in self.quoted for c in content for t in c.subtree if not t.is_punct)
            own = [
                *attribution,
                self._attribution(head, subject_idx, "direct_quote" if quoted else "reported_speech", subject),
            ]
        else:
            clause = _Clause(tokens, head, [] if subject is not None else inherited, attribution)
            if head.lower_ in STANCE_FORMS and subject_idx and head.tag_ != "VBN" and not attribution:
                clause.attribution = [self._attribution(head, subject_idx, "reported_speech", subject)]
            if (
                head.tag_ == "VBG"
                and head.dep_ in {"advcl", "conj"}
                and not any(c.dep_ == "aux" for c in head.children)
            ):
                clause.replace[head.i] = _past_tense(head.text)
            self._appositives(clause)
            self._relatives(clause)
            self._main_subject_possessives(clause, head)
            self.clauses.append(clause)
        for child in children:
            is_content = child in content
            self._clause(child, subject_idx, own if is_content else attribution)
            if is_content:
                self._speaker_for_pronoun(child, subject_idx, own[-1].kind)

    def _bare_subject(self, subject: Token) -> list[int]:
        """The subject without appositives or relative clauses, for lending to other clauses."""
        idx = _subtree(subject)
        for tok in list(subject.subtree):
            if tok.dep_ in {"appos", "relcl", "acl"} and tok.i in idx:
                inner = _subtree(tok)
                idx -= inner | self._commas_around(inner)
        return sorted(idx)

    def _speaker_for_pronoun(self, content: Token, speaker: list[int], kind: str) -> None:
        """'Hamas said it would…' -> 'Hamas would…'; in a quote only 'I' is the speaker ('It is necessary' is not)."""
        subject = _subject_of(content)
        names = [i for i in speaker if not self.doc[i].is_punct]
        if subject is None or not names or subject.dep_ == "expl":
            return
        pronouns = {"i"} if kind == "direct_quote" else {"it", "he", "she", "they", "i"}
        if subject.lower_ in pronouns:
            start, end = self.doc[names[0]].idx, self.doc[names[-1]].idx + len(self.doc[names[-1]])
            self._replace_in_clause(content, subject.i, self.doc.text[start:end])

    def _replace_in_clause(self, head: Token, index: int, text: str) -> None:
        for clause in self.clauses:
            if clause.head == head:
                clause.replace[index] = text

    def _appositives(self, clause: _Clause) -> None:
        for i in sorted(clause.tokens):
            tok = self.doc[i]
            if tok.dep_ != "appos" or tok.head.i not in clause.tokens or tok.i not in clause.tokens:
                continue
            appos = _subtree(tok)
            if self.doc[max(appos)].dep_ == "case":
                continue  # "the President Joe Biden's proposal": a name inside a possessive, not a fact
            if "PROPN" not in {tok.pos_, tok.head.pos_}:
                continue  # "efforts, diplomatic measures": a list, not a statement about someone
            if min(appos) == 0 or self.doc[min(appos) - 1].text != ",":
                continue  # "Qatar's capital Doha" names the capital; only a comma-set appositive adds a fact
            clause.tokens -= appos | self._commas_around(appos)
            # "Ismail Haniyeh, the Doha-based head of ..." states who he is: a fact of its own.
            name = _noun_phrase(tok.head)
            fact = _Clause(set(name) | appos, tok, [], clause.attribution, kind="appositive")
            fact.insert[name[-1]] = "is"
            self.clauses.append(fact)

    def _relatives(self, clause: _Clause) -> None:
        for i in sorted(clause.tokens):
            tok = self.doc[i]
            if tok.dep_ != "relcl" or tok.i not in clause.tokens:
                continue
            pronoun = next((c for c in tok.children if c.lower_ in RELATIVE_PRONOUNS and c.dep_ in SUBJECTS), None)
            if pronoun is None:
                continue
            rel = _subtree(tok)
            clause.tokens -= rel | self._commas_around(rel)
            name = _noun_phrase(tok.head)
            # "the war, which began in October" -> "the war began in October"
            fact = _Clause(rel - {pronoun.i}, tok, name, clause.attribution, kind="relative")
            self.clauses.append(fact)

    def _main_subject_possessives(self, clause: _Clause, head: Token) -> None:
        """'Hamas refused … after Israel killed its chief': 'its' is Hamas's, not Israel's."""
        root_subject = _subject_of(self.sent.root)
        own_subject = _subject_of(head)
        if head == self.sent.root or root_subject is None or own_subject is None or root_subject.pos_ != "PROPN":
            return
        for i in clause.tokens:
            tok = self.doc[i]
            if tok.dep_ == "poss" and tok.lower_ in {"its", "their"} and tok.head.i != own_subject.i:
                clause.replace[i] = _text_span(self.doc, _noun_phrase(root_subject)) + "’s"

    def _commas_around(self, idx: set[int]) -> set[int]:
        lo, hi = min(idx), max(idx)
        return {j for j in (lo - 1, hi + 1) if 0 <= j < len(self.doc) and self.doc[j].text in {",", "–", "—"}}

    def _trim(self, idx: list[int]) -> list[int]:
        doc = self.doc
        while idx and (doc[idx[0]].dep_ in {"cc", "mark", "punct"} or doc[idx[0]].is_punct):
            idx = idx[1:]
        while idx and (doc[idx[-1]].is_punct or doc[idx[-1]].dep_ in {"cc", "mark"}):
            idx = idx[:-1]
        return [i for i in idx if doc[i].text not in QUOTES]

    def _spans(self, idx: list[int]) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for i in idx:
            start, end = self.doc[i].idx - self.base, self.doc[i].idx + len(self.doc[i]) - self.base
            if spans and (i - 1) in idx:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans

    def _finish(self, clause: _Clause) -> AtomicClaim | None:
        idx = self._trim(sorted(clause.tokens))
        if len(idx) < MIN_CLAIM_TOKENS:
            return None
        if clause.kind == "clause" and not any(self.doc[i].pos_ in CLAUSE_POS for i in idx):
            return None
        subject = [i for i in self._trim(sorted(clause.subject)) if i not in clause.tokens]
        words: list[str] = []
        order = subject + idx  # a borrowed subject is said first, wherever it stands
        for n, i in enumerate(order):
            words.append(clause.replace.get(i, self.doc[i].text))
            if i in clause.insert:
                words.append(" " + clause.insert[i])
            adjacent = n + 1 < len(order) and order[n + 1] == i + 1
            words.append(self.doc[i].whitespace_ if adjacent else " ")
        text = _tidy("".join(words))
        return AtomicClaim(
            text=text[:1].upper() + text[1:],
            spans=sorted(self._spans(subject) + self._spans(idx)),
            attribution=[*clause.attribution, *self.outer],
            kind=clause.kind,
        )


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:])")


_REPEATED_COMMA = re.compile(r",(\s*,)+")


def _tidy(text: str) -> str:
    text = _REPEATED_COMMA.sub(",", " ".join(text.split()))
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text).strip(" ,;:–—")


def split_sentence(sent: Span) -> list[AtomicClaim]:
    """Atomic claims of one parsed sentence, in sentence order."""
    claims = _Splitter(sent).run()
    return sorted(claims, key=lambda c: c.spans[0][0] if c.spans else 0)
