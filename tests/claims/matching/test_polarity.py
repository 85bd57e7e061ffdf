"""Polarity reads what a clause affirms or negates, whether by "not" or by a negating verb."""

from __future__ import annotations

import pytest

from claims.matching.lexical import tokens
from claims.matching.polarity import opposed, polarity, relevant, text_polarity


def negative(text: str) -> bool:
    return polarity(tokens(text)).negative


@pytest.mark.parametrize(
    "text",
    [
        "Hamas did not send a delegation to the Doha talks",
        "Hamas refused to send a delegation",
        "Hamas declined to send a delegation",
        "Israel denied the report",
        "The minister ruled out talks with the group",
        "Iran rejected the proposal",
        "The envoy failed to reach an agreement",
        "Hamas didn't attend the meeting",
    ],
)
def test_negators_and_negating_verbs_make_a_clause_negative(text: str) -> None:
    assert negative(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hamas agreed to send a delegation",
        "Qatar and Egypt are mediating ceasefire talks",
        "Israel maintains a blockade of Gaza",
        "The talks resumed in Doha on Thursday",
        "Hamas did not refuse to send a delegation",  # two negations affirm
        "The central bank raised rates",
    ],
)
def test_plain_affirmations_and_look_alike_nouns_are_positive(text: str) -> None:
    assert not negative(text)


def test_did_not_send_and_refused_to_send_agree() -> None:
    a = polarity(tokens("Hamas did not send a delegation to the Doha talks"))
    b = polarity(tokens("Hamas refused to send a delegation to the talks in Doha"))

    assert not opposed(a, b)


def test_agreed_to_send_and_refused_to_send_are_opposed() -> None:
    a = polarity(tokens("Hamas agreed to send a delegation"))
    b = polarity(tokens("Hamas refused to send a delegation"))

    assert opposed(a, b)


def test_the_cues_name_the_words_that_set_the_polarity() -> None:
    assert polarity(tokens("The minister ruled out talks")).cues == ("ruled out",)
    assert polarity(tokens("Hamas did not refuse")).cues == ("not", "refuse")


def test_declined_negates_only_with_to_or_comment():
    assert negative("The minister declined to comment")
    assert negative("A company spokesman declined comment on its status")
    assert not negative("Prices declined sharply in March")


def test_a_contraction_typed_without_its_apostrophe_still_negates():
    assert negative("we dont broaden the tent")
    assert negative("The ministry didnt confirm the toll")
    assert not negative("a creature of habit and wont")


def test_neither_nor_is_one_negation_not_two_that_cancel():
    assert negative("Neither O'Connor nor any other justice announced a retirement")


def test_no_before_a_number_is_not_a_negator():
    assert not negative("The four were found guilty in Beijing's No. 1 Intermediate Court")


def test_a_noun_negators_cue_names_the_noun_it_negates():
    assert polarity(tokens("She gave no further details")).cues == ("no details",)
    assert polarity(tokens("They withdrew without a shot fired")).cues == ("without shot fired",)


def test_a_negated_noun_the_other_text_does_not_mention_bears_on_nothing():
    cues = polarity(tokens("Bremer will launch the program but gave no details")).cues

    assert relevant(cues, tokens("Bremer said he would launch a program")).negative is False
    assert relevant(cues, tokens("Bremer gave details of the program")).negative is True
    assert relevant(cues, tokens("Bremer announced the detail")).negative is True  # singular or plural


def read(text: str) -> bool:
    return text_polarity(text).negative


def test_a_contrast_negates_the_noun_it_names_not_the_sentence():
    contrast = text_polarity("The attack was carried out by Hamas, not Hezbollah")

    assert contrast.cues == ("not hezbollah",)
    assert not relevant(contrast.cues, tokens("Hamas carried out the attack")).negative
    assert relevant(contrast.cues, tokens("Hezbollah carried out the attack")).negative


def test_a_negation_inside_a_condition_asserts_nothing():
    assert not read("If the talks are not resumed by Friday, the truce will end")
    assert not read("The truce will end unless Hamas does not attend")
    assert read("Hamas will not attend if Israel sends its delegation")


def test_a_text_opening_with_without_states_a_condition():
    assert not read("Without a deal, the truce ends on Friday")
    assert text_polarity("The talks ended without a deal").cues == ("without deal",)


def test_not_only_adds_and_a_bare_no_answers():
    assert not read("Qatar not only hosted the talks but also mediated them")
    assert not read("No, Hamas did send a delegation")
    assert read("No, Hamas did not send a delegation")


def test_the_noun_denial_negates_nothing_but_the_verb_does():
    assert not read("Climate change denial is widespread among the group's members")
    assert read("The ministry denied the report")


def test_a_thousands_separator_does_not_part_a_clause():
    assert text_polarity("Officials said 37,945 people were not counted").cues == ("not",)


def test_a_negation_bears_on_its_clause_up_to_a_subordinate_one():
    read = text_polarity("Hamas refused to send a delegation after Israel killed its chief, saying it would wait")

    assert read.scope == ("hamas", "refused", "to", "send", "a", "delegation")
    assert text_polarity("Hamas sent a delegation").scope == ()


def test_a_condition_reads_the_same_before_or_after_its_main_clause():
    assert read("If the talks fail, Hamas will not return to Doha")
    assert read("Hamas will not return to Doha if the talks fail")
    assert not read("If Hamas does not attend, the talks will be postponed")


def test_no_doubt_affirms_and_a_quoted_opening_without_is_a_condition():
    assert not read("There is no doubt that the climate is warming")
    assert not read("\u201cWithout a deal, the truce ends,\u201d the mediator said")


def test_the_noun_failure_negates_nothing_but_the_verb_does():
    assert not read("The drought caused crop failures across the region")
    assert read("The envoy failed to reach an agreement")
