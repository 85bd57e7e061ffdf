"""Atomic claims: one checkable statement per clause, with the attribution kept beside it."""

from __future__ import annotations

import pytest

from claims.extraction.drafting import ClaimDraft, SentenceInput, draft_article

HAMAS = (
    "Hamas refused to send a delegation after Israel killed its political Chief Ismail Haniyeh in Tehran, "
    "saying it would only receive the results of the negotiations."
)


def claims_of(*sentences: str) -> list[ClaimDraft]:
    results = draft_article([SentenceInput(s, "body") for s in sentences])
    return [claim for result in results for claim in result.claims]


def test_the_issue_example_sentence_yields_its_three_claims() -> None:
    texts = [c.text for c in claims_of(HAMAS)]

    assert texts == [
        "Hamas refused to send a delegation",
        "Israel killed Hamas’s political Chief Ismail Haniyeh in Tehran",
        "Hamas would only receive the results of the negotiations",
    ]


def test_reported_speech_keeps_the_speaker_as_attribution_not_in_the_claim() -> None:
    *_, said = claims_of(HAMAS)

    assert said.attribution[0]["source"] == "Hamas"
    assert said.attribution[0]["verb"] == "saying"
    assert said.attribution[0]["kind"] == "reported_speech"


def test_every_claim_span_lies_in_its_sentence_and_carries_its_words() -> None:
    for claim in claims_of(HAMAS):
        assert claim.spans == sorted(claim.spans)
        for start, end in claim.spans:
            assert 0 <= start < end <= len(HAMAS)
    first = claims_of(HAMAS)[0]
    assert [HAMAS[a:b] for a, b in first.spans] == ["Hamas refused to send a delegation"]


def test_a_direct_quote_is_attributed_and_nested_attribution_keeps_both() -> None:
    (claim,) = claims_of(
        "“It is necessary to employ all capacities to force the Zionists to pay a price,” Bagheri Kani said, "
        "as reported by Mehr News Agency."
    )

    assert claim.text.startswith("It is necessary to employ all capacities")
    kinds = [(a["source"], a["kind"]) for a in claim.attribution]
    assert kinds == [("Bagheri Kani", "direct_quote"), ("Mehr News Agency", "according_to")]


def test_according_to_is_removed_from_the_claim_and_kept_as_attribution() -> None:
    (claim,) = claims_of("Approximately 576,000 people are now one step away from famine, according to the UN.")

    assert "according" not in claim.text
    assert claim.attribution[0]["kind"] == "according_to"
    assert claim.attribution[0]["source"] == "the UN"


def test_a_conjoined_predicate_borrows_the_subject() -> None:
    texts = [
        c.text
        for c in claims_of(
            "Hamas has consistently denied U.S. accusations that it is obstructing a deal, and insisted that any "
            "agreement must include the complete withdrawal of Israeli forces."
        )
    ]

    assert texts[0].startswith("Hamas has consistently denied U.S. accusations")
    assert texts[1] == "Any agreement must include the complete withdrawal of Israeli forces"


def test_an_appositive_that_describes_a_name_is_a_claim_of_its_own() -> None:
    texts = [
        c.text
        for c in claims_of(
            "On the same day, the Iranian diplomat met with Ismail Haniyeh, the Doha-based head of Hamas’s "
            "political bureau."
        )
    ]

    assert "On the same day, the Iranian diplomat met with Ismail Haniyeh" in texts
    assert "Ismail Haniyeh is the Doha-based head of Hamas’s political bureau" in texts


def test_a_relative_clause_becomes_a_claim_about_its_noun() -> None:
    texts = [
        c.text
        for c in claims_of(
            "Israel’s war in the Gaza Strip, which began after a Palestinian operation in October, has so far "
            "resulted in the massacre of over 40,000 people."
        )
    ]

    assert "Israel’s war began after a Palestinian operation in October" in texts
    assert "Israel’s war in the Gaza Strip has so far resulted in the massacre of over 40,000 people" in texts


def test_a_pronoun_speaker_takes_the_name_of_the_last_speaker_in_the_article() -> None:
    claims = claims_of(
        "Kani said they discussed the ongoing negotiations in Doha.",
        "“I emphasized the need to stop the genocide in Gaza,” he added.",
    )

    quote = claims[-1]
    assert quote.attribution[0]["source"] == "he"
    assert quote.attribution[0]["resolved"] == "Kani"
    assert quote.text.startswith("Kani emphasized the need")


@pytest.mark.parametrize(
    "kind",
    ["title", "heading", "boilerplate"],
)
def test_headlines_and_boilerplate_yield_no_claims(kind: str) -> None:
    (result,) = draft_article([SentenceInput("Humanitarian disaster in Gaza direct result of Western actions", kind)])

    assert result.claims == []
    assert not result.worthiness.worthy


def test_a_stance_verb_keeps_the_clause_and_credits_its_subject() -> None:
    (claim,) = claims_of("Baqeri condemned the attacks on civilian infrastructure in Gaza.")

    assert claim.text == "Baqeri condemned the attacks on civilian infrastructure in Gaza"
    assert [(a["source"], a["kind"]) for a in claim.attribution] == [("Baqeri", "reported_speech")]


def test_a_quote_over_several_sentences_is_credited_to_the_speaker_named_at_its_end() -> None:
    results = draft_article(
        [
            SentenceInput("“We can’t give up on this on all sides.", "body", paragraph=3),
            SentenceInput("No body in the region can afford to give up on this,” Al Ansari noted.", "body", 3),
        ]
    )

    first = results[0].claims[0]
    assert first.attribution[0]["source"] == "Al Ansari"
    assert first.attribution[0]["kind"] == "direct_quote"


def test_a_quote_in_the_next_paragraph_does_not_borrow_this_paragraphs_speaker() -> None:
    results = draft_article(
        [
            SentenceInput("The ministry confirmed that talks resumed in Doha on Friday.", "body", paragraph=1),
            SentenceInput("“Mediation only works when you have calming periods,” he said.", "body", paragraph=2),
            SentenceInput("Israel launched its heaviest bombardment of Gaza on Friday night.", "body", paragraph=3),
        ]
    )

    assert results[2].claims[0].attribution == []


@pytest.mark.parametrize(
    ("sentence", "person", "role"),
    [
        (
            "Qatar's Prime Minister Mohammed bin Abdulrahman Al Thani said the talks had stalled.",
            "Mohammed bin Abdulrahman Al Thani",
            "Qatar's Prime Minister",
        ),
        (
            "The death toll rose to 40,005, said Health Ministry spokesman Ashraf al-Qudra.",
            "Ashraf al-Qudra",
            "Health Ministry spokesman",
        ),
        (
            "The talks will continue, the foreign minister, Ali Bagheri Kani, said.",
            "Ali Bagheri Kani",
            "foreign minister",
        ),
        (
            "Ismail Haniyeh, the Doha-based head of Hamas’s political bureau, said the talks had failed.",
            "Ismail Haniyeh",
            "Doha-based head of Hamas’s political bureau",
        ),
    ],
)
def test_a_title_beside_a_name_credits_the_person_with_the_title_as_role(sentence: str, person: str, role: str) -> None:
    (claim,) = claims_of(sentence)

    (credit,) = claim.attribution
    assert (credit["source"], credit["role"]) == (person, role)
    assert sentence[credit["start"] : credit["end"]] == person


def test_a_figure_according_to_a_titled_spokesman_is_credited_to_him() -> None:
    (claim,) = claims_of(
        "At least 40,005 people have been killed, according to Health Ministry spokesman Ashraf al-Qudra."
    )

    assert claim.text == "At least 40,005 people have been killed"
    assert [(a["source"], a["role"], a["kind"]) for a in claim.attribution] == [
        ("Ashraf al-Qudra", "Health Ministry spokesman", "according_to")
    ]


@pytest.mark.parametrize(
    ("sentence", "source"),
    [
        ("Qatar's Foreign Ministry said the talks would resume.", "Qatar's Foreign Ministry"),
        ("Turkey’s foreign minister said the visit was historic.", "Turkey’s foreign minister"),
        ("Amir Abdollahian said the talks were useful.", "Amir Abdollahian"),
    ],
)
def test_a_credit_that_names_no_one_beside_a_title_stays_as_written(sentence: str, source: str) -> None:
    (claim,) = claims_of(sentence)

    (credit,) = claim.attribution
    assert credit["source"] == source
    assert "role" not in credit


def test_the_seed_articles_credit_the_people_they_name_not_their_titles() -> None:
    spokesman, minister, premier = (
        claims_of(line)
        for line in (
            "On Sunday, Qatari foreign ministry spokesman, Dr Majed Al Ansari told CNN that talks aimed at releasing "
            "captives as part of a possible prisoner exchange have not collapsed, though said the delicate situation "
            "requires a period of calm.",
            "“Mohammed bin Abdulrahman Al Thani referred to today's meeting on the ceasefire negotiations hosted by "
            "Qatar,” announced Iran’s Acting Foreign Minister Ali Baqeri Kani in a Friday post on X.",
            "Qatari Prime Minister and Minister of Foreign Affairs Mohammed bin Abdulrahman Al Thani said mediation "
            "negotiations to enforce a cease-fire in Gaza have reached a critical point.",
        )
    )

    def credits(claims: list[ClaimDraft]) -> set[tuple[str, str]]:
        return {(a["source"], a.get("role", "")) for c in claims for a in c.attribution}

    assert ("Majed Al Ansari", "Qatari foreign ministry spokesman") in credits(spokesman)
    assert credits(minister) == {("Ali Baqeri Kani", "Iran’s Acting Foreign Minister")}
    assert credits(premier) == {
        ("Mohammed bin Abdulrahman Al Thani", "Qatari Prime Minister and Minister of Foreign Affairs")
    }


def test_a_hyphenated_name_is_one_name_and_a_hyphenated_title_is_left_out_of_it() -> None:
    (claim,) = claims_of(
        "Hezbollah’s Secretary-General Sayyid Hassan Nasrallah met Ashraf al-Qudra in Beirut on Friday."
    )

    assert {e["name"] for e in claim.entities} >= {"Hassan Nasrallah", "Ashraf al-Qudra"}
