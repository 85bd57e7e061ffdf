"""Decisions from the combined signals: thresholds, figures, dates, negation, short texts."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import numpy as np
import pytest

from claims.matching import scoring
from claims.matching.calibration import FEATURES, SUPPORT_FEATURES, Calibration
from claims.matching.scoring import THRESHOLDS, compare, compare_dates, compare_quantities, features

PUBLISHED = datetime(2024, 8, 17, 9, 0, tzinfo=UTC)  # a Saturday


def unit(angle: float) -> np.ndarray:
    """Two-dimensional embeddings padded to a vector: cosine with unit(0) is cos(angle)."""
    vector = np.zeros(8, dtype=np.float32)
    vector[0], vector[1] = np.cos(angle), np.sin(angle)
    return vector


def pair(a: str, b: str, cosine: float | None, **kwargs):
    if cosine is None:
        return compare(features(a, **kwargs), features(b, **kwargs))
    return compare(
        features(a, embedding=unit(0.0), **kwargs), features(b, embedding=unit(float(np.arccos(cosine))), **kwargs)
    )


A = "Qatar's foreign minister Al Thani said the ceasefire talks in Doha would resume next week"
B = "Al Thani, Qatar's top diplomat, said the Doha ceasefire negotiations would restart next week"


def test_above_upper_links_automatically_and_records_the_threshold():
    decision = pair(A, B, THRESHOLDS["semantic"].upper + 0.01)
    assert (decision.decision, decision.stance, decision.method) == ("auto", "supports", "semantic")
    assert decision.threshold["name"] == "upper"
    assert decision.threshold["value"] == THRESHOLDS["semantic"].upper
    assert decision.signals["entities_shared"]


def test_between_thresholds_is_suggested_and_below_is_no_link():
    middle = (THRESHOLDS["semantic"].upper + THRESHOLDS["semantic"].lower) / 2
    assert pair(A, B, middle).decision == "suggested"
    below = pair(A, B, THRESHOLDS["semantic"].lower - 0.05)
    assert below.decision == "none"
    assert below.stance is None
    assert not below.linked


def test_without_embeddings_the_lexical_method_decides():
    decision = pair(A, A, None)
    assert decision.method == "lexical"
    assert decision.decision == "auto"
    assert decision.signals["cosine"] is None
    assert decision.signals["jaccard"] == 1.0


def test_short_texts_are_only_ever_suggested():
    decision = pair("Talks resumed", "Talks resumed", 1.0)
    assert decision.decision == "suggested"
    assert decision.signals["short"] is True
    assert any("short" in r for r in decision.reasons)


def test_a_different_figure_for_the_same_toll_contradicts():
    decision = pair(
        "At least 8,005 Palestinians have been killed by Israel in Gaza since October 7",
        "The Israeli offensive on Gaza has killed over 40,000 Palestinians since October 7",
        0.7,
    )
    assert (decision.method, decision.stance) == ("figure", "contradicts")
    assert decision.decision == "suggested"
    assert decision.signals["quantities"]["events_conflicting"] == ["killed"]


def test_the_same_figure_rounded_agrees():
    result = compare_quantities(
        features("At least 8,005 Palestinians have been killed").quantities,
        features("the death toll has surpassed 8,000").quantities,
    )
    assert result["status"] == "agree"
    assert result["pairs"][0]["same"] is True


@pytest.mark.parametrize(
    "other", ["over 40,000 people were killed", "nearly 40,000 people have been killed", "about 41,000 were killed"]
)
def test_figures_whose_ranges_can_both_hold_are_consistent_not_rival(other: str):
    result = compare_quantities(
        features("At least 37,945 Palestinians have been killed").quantities, features(other).quantities
    )

    assert result["status"] == "agree"
    assert result["pairs"][0]["ranges_overlap"] is True
    assert result["pairs"][0]["same"] is False


def test_exact_figures_whose_ranges_cannot_both_hold_conflict():
    result = compare_quantities(
        features("37,945 Palestinians have been killed").quantities,
        features("40,005 people were killed").quantities,
    )

    assert result["status"] == "conflict"
    assert result["pairs"][0]["ranges_overlap"] is False


def test_figures_of_different_events_do_not_conflict():
    result = compare_quantities(
        features("more than 85,523 others injured").quantities, features("8,005 people killed").quantities
    )
    assert result["status"] == "none"


def test_a_count_of_children_is_not_another_figure_for_the_whole_toll():
    children = features("including 3,195 children, have been killed").quantities
    total = features("At least 37,945 Palestinians have been killed").quantities
    assert compare_quantities(children, total)["status"] == "none"
    assert compare_quantities(children, features("2,000 children were killed").quantities)["status"] == "conflict"
    assert compare_quantities(total, features("30,000 people were killed").quantities)["status"] == "conflict"


def test_a_single_incidents_toll_is_no_rival_to_a_wars_toll():
    war = features("At least 37,945 Palestinians have been killed").quantities
    assert compare_quantities(war, features("seven dead in the strike").quantities)["status"] == "none"
    assert compare_quantities(war, features("At least 8,005 Palestinians killed").quantities)["status"] == "conflict"


def test_singular_and_plural_name_the_same_part_of_a_population():
    one = features("1 child was killed").quantities
    assert compare_quantities(one, features("3 children were killed").quantities)["status"] == "conflict"
    assert compare_quantities(one, features("12 people were killed").quantities)["status"] == "none"


def test_a_zero_or_a_share_is_still_a_rival_figure():
    none_killed = features("0 people were killed").quantities
    assert compare_quantities(none_killed, features("12 people were killed").quantities)["status"] == "conflict"
    small, large = features("0.5% of Gazans displaced").quantities, features("90% of Gazans displaced").quantities
    assert compare_quantities(small, large)["status"] == "conflict"


def test_calls_on_different_days_are_different_events():
    decision = pair(
        "Iran and Qatar's foreign ministers held a telephone conversation on Thursday",
        "Iran and Qatar's foreign ministers held a telephone conversation on Sunday night",
        0.95,
    )
    assert decision.decision == "none"
    assert decision.method == "date"
    assert decision.signals["dates"]["status"] == "conflict"


def test_resolved_dates_decide_when_the_publication_time_is_known():
    thursday = features("the call on Thursday", published_at=PUBLISHED).dates
    august_15 = features("the call on August 15", published_at=PUBLISHED).dates
    sunday = features("the call on Sunday", published_at=PUBLISHED).dates
    assert compare_dates(thursday, august_15)["status"] == "agree"
    assert compare_dates(thursday, sunday)["status"] == "conflict"
    assert compare_dates(thursday, [])["status"] == "none"


def test_negation_in_one_text_only_contradicts_and_is_never_automatic():
    decision = pair(
        "Qatar said the ceasefire talks in Doha have collapsed after the latest strikes",
        "Qatar said the ceasefire talks in Doha have not collapsed after the latest strikes",
        0.99,
    )
    assert decision.stance == "contradicts"
    assert decision.decision == "suggested"
    assert decision.signals["negation"]["mismatch"] is True


def test_no_shared_entity_lowers_the_score():
    decision = pair(
        "Yoko Kamikawa spoke with the Iranian minister about regional matters",
        "Al Thani spoke with the Egyptian minister about regional matters",
        0.8,
    )
    assert decision.signals["entity_overlap"] == 0.0
    assert decision.score == pytest.approx(0.8 - scoring.ENTITY_PENALTY, abs=1e-3)


def test_the_decision_is_json_ready():
    decision = pair(A, B, 0.9)
    restored = json.loads(json.dumps(decision.as_dict()))
    assert restored["method"] == "semantic"
    assert set(restored["signals"]) >= {"cosine", "jaccard", "containment", "entity_overlap", "quantities", "dates"}
    assert restored["version"] == scoring.SCORING_VERSION


def test_claim_fields_from_drafting_are_used_as_given():
    given = features("Kani spoke to Al Thani", entity_keys=["alibaqerikani", ""], quantities=[], dates=[])
    assert given.entity_keys == frozenset({"alibaqerikani"})
    assert given.quantities == []


def test_not_sending_and_refusing_to_send_a_delegation_support_each_other():
    decision = compare(
        features("Hamas did not send a delegation to the Doha talks"),
        features("Hamas refused to send a delegation to the Doha talks"),
    )

    assert (decision.stance, decision.signals["negation"]["mismatch"]) == ("supports", False)


def test_agreeing_and_refusing_to_send_a_delegation_contradict_and_wait_for_a_reviewer():
    decision = compare(
        features("Hamas agreed to send a delegation to the Doha talks"),
        features("Hamas refused to send a delegation to the Doha talks"),
    )

    assert (decision.stance, decision.decision) == ("contradicts", "suggested")
    assert decision.signals["negation"]["aligned"] is True


def test_a_negation_of_another_predicate_is_no_evidence_either_way():
    decision = compare(
        features("Hamas did not send a delegation to the Doha talks"),
        features("Hamas sent a statement to the Doha talks mediators"),
    )

    assert decision.decision == "none"
    assert "different predicate" in " ".join(decision.reasons)


OCTOBER = datetime(2023, 10, 20, tzinfo=UTC)
JUNE = datetime(2024, 6, 24, tzinfo=UTC)


def test_a_later_larger_death_toll_is_an_update_not_a_contradiction():
    early = features("At least 8,005 Palestinians have been killed in Gaza", published_at=OCTOBER)
    late = features("At least 37,945 Palestinians have been killed in Gaza", published_at=JUNE)

    assert compare_quantities(early.quantities, late.quantities, early.as_of, late.as_of)["status"] == "update"
    decision = compare(early, late)
    assert (decision.decision, decision.stance) == ("none", None)
    assert "update" in " ".join(decision.reasons)


def test_a_toll_that_shrinks_over_time_or_differs_on_one_day_conflicts():
    early = features("37,945 Palestinians have been killed in Gaza", published_at=OCTOBER)
    late = features("8,005 Palestinians have been killed in Gaza", published_at=JUNE)
    same_day = features("29,000 Palestinians have been killed in Gaza", published_at=OCTOBER)

    assert compare_quantities(early.quantities, late.quantities, early.as_of, late.as_of)["status"] == "conflict"
    assert (
        compare_quantities(early.quantities, same_day.quantities, early.as_of, same_day.as_of)["status"] == "conflict"
    )


def test_a_date_the_sentence_names_is_the_figures_date_unless_it_starts_the_count():
    since = features("At least 8,005 have been killed since October 7", published_at=OCTOBER)
    on = features("On October 9, 1,100 people had been killed", published_at=JUNE)

    assert since.as_of == OCTOBER.date()
    assert (on.as_of is not None and on.as_of.isoformat() == "2024-10-09") or on.as_of == datetime(2023, 10, 9).date()


def test_conflicting_figures_without_dates_are_only_ever_suggested():
    a = features("At least 37,945 Palestinians have been killed by Israel in the Gaza Strip since October 7")
    b = features("At least 8,005 Palestinians have been killed by Israel in the Gaza Strip since October 7")

    decision = compare(a, b)

    assert decision.signals["quantities"]["undated"] is True
    assert (decision.stance, decision.decision) == ("contradicts", "suggested")


def test_a_date_after_since_anywhere_before_it_starts_the_count_and_is_not_its_date():
    early = features("At least 22,000 killed in Gaza since the war began on October 7", published_at=OCTOBER)
    late = features("At least 31,000 killed in Gaza since the war began on October 7", published_at=JUNE)

    assert (early.as_of, late.as_of) == (OCTOBER.date(), JUNE.date())
    assert compare_quantities(early.quantities, late.quantities, early.as_of, late.as_of)["status"] == "update"


def test_a_share_that_changes_over_time_conflicts_rather_than_updates():
    early = features("30% of those killed were children", published_at=OCTOBER)
    late = features("45% of those killed were children", published_at=JUNE)

    assert compare_quantities(early.quantities, late.quantities, early.as_of, late.as_of)["status"] == "conflict"


def test_names_shared_by_two_texts_do_not_make_their_predicates_aligned():
    decision = compare(
        features("Ali Bagheri Kani did not meet Hamas leaders in Doha"),
        features("Ali Bagheri Kani met with the Qatari emir in Doha"),
    )

    assert decision.stance != "contradicts"


def test_a_period_like_last_year_does_not_date_a_figure_but_yesterday_does():
    assert features("201 ships were inspected last year", published_at=JUNE).as_of == JUNE.date()
    assert features("12 people were killed yesterday", published_at=JUNE).as_of == datetime(2024, 6, 23).date()


# A calibration that trusts the pair scorer's logit alone: probability = sigmoid(logit).
LOGIT_ONLY = Calibration(
    weights=tuple(1.0 if name == "pair_logit" else 0.0 for name in FEATURES),
    bias=0.0,
    auto_at=0.9,
    suggest_at=0.4,
    cosine_floor=0.5,
    source="test",
    prunes_suggestions=True,
)


def calibrated(a: str, b: str, cosine: float, logit: float | None):
    fa, fb = features(a, embedding=unit(0.0)), features(b, embedding=unit(float(np.arccos(cosine))))
    return compare(fa, fb, pair_logit=logit, calibration=LOGIT_ONLY)


def test_a_calibrated_supporting_link_is_decided_by_its_probability():
    auto = calibrated(A, B, 0.7, logit=3.0)  # p = 0.953
    suggested = calibrated(A, B, 0.99, logit=0.0)  # p = 0.5: the cosine no longer decides
    apart = calibrated(A, B, 0.99, logit=-2.0)  # p = 0.119

    assert (auto.decision, auto.stance, auto.method, auto.score) == ("auto", "supports", "semantic", 0.9526)
    assert auto.threshold == {
        "name": "upper", "value": 0.9, "upper": 0.9, "lower": 0.4, "cosine_lower": 0.62, "basis": "probability"
    }  # fmt: skip
    assert (auto.signals["pair_logit"], auto.signals["probability"]) == (3.0, 0.9526)
    assert suggested.decision == "suggested"
    assert apart.decision == "none"


def test_a_calibration_that_does_not_prune_keeps_every_suggestion_the_cosine_makes_and_orders_them():
    shipped_like = dataclasses.replace(LOGIT_ONLY, prunes_suggestions=False)
    fa, fb = features(A, embedding=unit(0.0)), features(B, embedding=unit(float(np.arccos(0.8))))

    weak = compare(fa, fb, pair_logit=-2.0, calibration=shipped_like)
    far = calibrated(A, B, 0.55, logit=0.0)  # p = 0.5, cosine under the semantic lower threshold

    assert (weak.decision, weak.score) == ("suggested", 0.1192)
    assert far.decision == "none"


# As shipped: no pruning, and a same-fact decision from p 0.6 (logit 0.405).
SAME_FROM_60 = dataclasses.replace(LOGIT_ONLY, prunes_suggestions=False, same_at=0.6)


def same_fact_decision(cosine: float, logit: float, support: Calibration | None = None):
    fa, fb = features(A, embedding=unit(0.0)), features(B, embedding=unit(float(np.arccos(cosine))))
    support_logit = None if support is None else -2.0  # support p 0.119: the support head does not back it
    return compare(fa, fb, pair_logit=logit, calibration=SAME_FROM_60, support_logit=support_logit, support=support)


def test_a_pair_the_paraphrase_head_reads_as_the_same_fact_is_suggested_below_the_cosine_rule():
    decision = same_fact_decision(0.55, logit=1.0)  # p 0.731, cosine under the semantic lower threshold 0.62

    assert (decision.decision, decision.stance, decision.threshold["basis"]) == ("suggested", "supports", "same")
    assert decision.same_fact


def test_a_cosine_rule_suggestion_under_same_at_backs_the_claim_but_is_not_the_same_fact():
    decision = same_fact_decision(0.8, logit=0.0)  # p 0.5: the cosine rule suggests it, the paraphrase head doubts

    assert decision.decision == "suggested"
    assert not decision.same_fact
    assert "not read as the same fact" in decision.reasons[-1]


def test_under_same_at_and_the_cosine_rule_nothing_is_suggested():
    assert same_fact_decision(0.55, logit=0.0).decision == "none"


def test_a_same_fact_pair_the_support_head_doubts_is_still_suggested_as_the_same_fact():
    decision = same_fact_decision(0.55, logit=1.0, support=SUPPORT_ONLY)

    assert (decision.decision, decision.threshold["basis"]) == ("suggested", "support+same")
    assert decision.same_fact
    assert decision.score == 0.1192  # listed by its support probability, as every suggestion


def test_a_support_suggestion_the_paraphrase_head_doubts_is_not_the_same_fact():
    keeping = dataclasses.replace(SUPPORT_ONLY, prunes_suggestions=False)

    decision = same_fact_decision(0.8, logit=0.0, support=keeping)

    assert (decision.decision, decision.threshold["basis"]) == ("suggested", "support+cosine")
    assert not decision.same_fact


# A support calibration that trusts the support head's logit alone: support probability = sigmoid(logit).
SUPPORT_ONLY = Calibration(
    weights=tuple(1.0 if name == "support_logit" else 0.0 for name in SUPPORT_FEATURES),
    bias=0.0,
    auto_at=1.01,
    suggest_at=0.4,
    cosine_floor=0.5,
    source="test support",
    features=SUPPORT_FEATURES,
    prunes_suggestions=True,
    add_at=0.6,
)


def supported(cosine: float, logit: float, support_logit: float, support: Calibration = SUPPORT_ONLY):
    fa, fb = features(A, embedding=unit(0.0)), features(B, embedding=unit(float(np.arccos(cosine))))
    return compare(fa, fb, pair_logit=logit, calibration=LOGIT_ONLY, support_logit=support_logit, support=support)


def test_a_report_the_support_head_backs_is_suggested_though_it_is_no_paraphrase():
    decision = supported(0.55, logit=-3.0, support_logit=1.0)  # paraphrase p 0.047, support p 0.731

    assert (decision.decision, decision.stance, decision.score) == ("suggested", "supports", 0.7311)
    assert decision.threshold["basis"] == "support"
    assert not decision.same_fact  # the paraphrase decision alone would not have linked it
    assert decision.signals["support_probability"] == 0.7311
    assert decision.signals["support_logit"] == 1.0


def test_a_pair_only_the_support_head_backs_needs_the_stricter_bar():
    decision = supported(0.55, logit=-3.0, support_logit=0.0)  # support p 0.5: above suggest_at, under add_at

    assert decision.decision == "none"
    assert decision.threshold["lower"] == 0.6


def test_a_support_suggestion_the_paraphrase_decision_would_make_too_says_the_same_fact():
    decision = supported(0.8, logit=0.0, support_logit=1.0)  # the cosine rule suggests it as well

    assert (decision.decision, decision.threshold["basis"]) == ("suggested", "support")
    assert decision.same_fact


def test_a_pair_the_support_head_does_not_back_is_not_suggested_however_close_its_cosine():
    decision = supported(0.9, logit=0.0, support_logit=-2.0)  # support p 0.119

    assert decision.decision == "none"


def test_a_support_calibration_that_does_not_prune_keeps_the_cosine_rules_suggestions():
    keeping = dataclasses.replace(SUPPORT_ONLY, prunes_suggestions=False)

    close = supported(0.9, logit=0.0, support_logit=-2.0, support=keeping)
    far = supported(0.55, logit=0.0, support_logit=-2.0, support=keeping)

    assert (close.decision, close.threshold["basis"], close.score) == ("suggested", "support+cosine", 0.1192)
    assert far.decision == "none"


def test_automatic_links_stay_with_the_paraphrase_head_whatever_the_support_head_says():
    decision = supported(0.7, logit=3.0, support_logit=-5.0)

    assert (decision.decision, decision.score) == ("auto", 0.9526)
    assert "support_probability" not in decision.signals


def test_compare_many_takes_both_heads_from_one_call_of_the_pair_scorer():
    calls: list[int] = []

    def logits(pairs):
        calls.append(len(pairs))
        return np.array([[-3.0, 2.0]] * len(pairs))

    pair = (features(A, embedding=unit(0.0)), features(B, embedding=unit(float(np.arccos(0.6)))))

    (decision,) = scoring.compare_many([pair], pair_logits=logits, calibration=LOGIT_ONLY, support=SUPPORT_ONLY)

    assert calls == [1]
    assert (decision.decision, decision.signals["pair_logit"], decision.signals["support_logit"]) == (
        "suggested", -3.0, 2.0
    )  # fmt: skip


def test_a_copy_is_linked_automatically_whatever_its_probability():
    decision = calibrated(A, A, 0.99, logit=-3.0)

    assert (decision.decision, decision.stance) == ("auto", "supports")
    assert "a copy" in decision.reasons[-1]


def test_under_a_calibration_a_pair_the_scorer_did_not_read_is_not_linked():
    decision = calibrated(A, B, 0.99, logit=None)

    assert decision.decision == "none"
    assert "floor" in decision.reasons[0]


def test_a_calibration_leaves_conflicting_figures_to_the_figure_thresholds():
    a = "At least 8,005 people have been killed in Gaza, the health ministry said on October 23, 2023"
    b = "Some 5,000 people have been killed in Gaza, the health ministry said on October 23, 2023"

    decision = calibrated(a, b, 0.9, logit=-5.0)

    assert (decision.method, decision.stance) == ("figure", "contradicts")
    assert decision.linked


def test_compare_many_reads_only_pairs_at_or_above_the_cosine_floor_with_the_pair_scorer():
    read: list[tuple[str, str]] = []

    def logits(pairs):
        read.extend(pairs)
        return np.full(len(pairs), 4.0)

    near = (features(A, embedding=unit(0.0)), features(B, embedding=unit(float(np.arccos(0.8)))))
    far = (features(A, embedding=unit(0.0)), features(B, embedding=unit(float(np.arccos(0.3)))))

    decisions = scoring.compare_many([near, far], pair_logits=logits, calibration=LOGIT_ONLY)

    assert read == [(A, B)]
    assert [d.decision for d in decisions] == ["auto", "none"]


def test_without_a_calibration_compare_many_decides_as_compare():
    pairs = [(features(A, embedding=unit(0.0)), features(B, embedding=unit(0.1)))]

    assert scoring.compare_many(pairs)[0] == compare(*pairs[0])


BREMER = "Bremer said he would launch a $70 million program in the next two weeks to clean up neighborhoods"


def test_an_extra_clause_with_no_in_one_report_does_not_contradict_the_other():
    extra = features(f"{BREMER}, but gave no details.")
    denied = features(BREMER.replace("would launch", "would not launch"))

    assert compare(features(BREMER), extra).stance != "contradicts"
    assert compare(features(BREMER), denied).stance == "contradicts"


def test_predicates_are_compared_only_where_one_text_negates_and_the_other_does_not():
    agreeing = compare(
        features("Hamas sent a delegation to the Doha talks"),
        features("Hamas sent negotiators to the talks in Doha"),
    )

    assert agreeing.signals["negation"] == {"a": [], "b": [], "mismatch": False, "aligned": None}
    assert agreeing.stance == "supports"


def test_a_refusal_does_not_deny_what_its_subordinate_clause_reports():
    killed = features("Hamas's political chief Ismail Haniyeh was killed in Tehran")
    refused = features(
        "Hamas refused to send a delegation after Israel killed its political chief Ismail Haniyeh in Tehran"
    )

    assert scoring.stance(killed, refused) == "supports"
    assert scoring.stance(features("Hamas agreed to send a delegation"), refused) == "contradicts"


def test_a_denial_bears_on_the_that_clause_it_governs():
    admitted = features("Hamas admitted that it is obstructing a ceasefire deal")
    denied = features("Hamas has consistently denied U.S. accusations that it is obstructing a potential deal")

    assert scoring.stance(admitted, denied) == "contradicts"


def test_predicates_are_compared_by_lemma_so_irregular_forms_align():
    refused = features("Hamas refused to send a delegation to the Doha talks")
    not_met = features("The foreign minister did not meet Ismail Haniyeh in Doha")

    assert scoring.stance(features("Hamas sent a delegation to the Doha talks"), refused) == "contradicts"
    assert scoring.stance(features("The foreign minister met Ismail Haniyeh in Doha"), not_met) == "contradicts"


def test_a_contrast_on_a_name_contradicts_a_text_that_says_the_name():
    cairo = features("Hamas sent a delegation to Cairo, not Doha")

    assert scoring.stance(features("Hamas sent a delegation to Doha"), cairo) == "contradicts"


def test_a_refusal_in_a_trailing_clause_does_not_deny_the_main_clause():
    after = features("Israel killed the Hamas chief in Tehran after Hamas refused to send a delegation")
    but = features("Qatar not only hosted the talks but did not mediate them")

    assert scoring.stance(features("Israel killed the Hamas chief in Tehran"), after) == "supports"
    assert scoring.stance(features("Qatar hosted the talks"), but) == "supports"


def test_a_negation_reads_on_past_a_parenthetical():
    parenthetical = features("Hamas said it would not, under any circumstances, send a delegation to Doha")

    assert scoring.stance(features("Hamas will send a delegation to Doha"), parenthetical) == "contradicts"
