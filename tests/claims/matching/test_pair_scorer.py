"""The pair scorer: MiniLM read as a cross-encoder with a low-rank adapter, and the adapter committed beside it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from claims.matching import calibration, pair_scorer
from claims.matching.pair_scorer import AdapterMissingError, AdapterShape, LowRankAdapter, load_adapter, split_of
from claims.matching.semantic import encoder


def test_a_pair_always_falls_in_the_same_part_and_the_parts_have_their_shares():
    parts = [("train", 14), ("validation", 3), ("report", 3)]
    keys = [f"{n}-{n + 1}" for n in range(4000)]

    first = [split_of(k, parts) for k in keys]

    assert first == [split_of(k, parts) for k in keys]
    assert first.count("train") / len(keys) == pytest.approx(0.70, abs=0.03)
    assert first.count("report") / len(keys) == pytest.approx(0.15, abs=0.03)


def test_a_long_pair_is_cut_from_the_longer_text_keeping_both_separators():
    # [CLS] a a a a a a [SEP] b b [SEP] with segment ids 0 x 8 then 1 x 3
    ids = [101, *range(1, 7), 102, 50, 51, 102]
    types = [0] * 8 + [1] * 3

    cut_ids, cut_types = pair_scorer._fit(ids, types, 8)

    assert cut_ids == [101, 1, 2, 3, 102, 50, 51, 102]
    assert cut_types == [0] * 5 + [1] * 3


def test_a_new_adapter_leaves_the_packaged_model_unchanged():
    base = encoder()
    adapter = LowRankAdapter.initial(base, AdapterShape(), seed=1)
    ids = torch.tensor([[101, 7592, 2088, 102]])
    mask = torch.ones_like(ids)

    with torch.inference_mode():
        plain = base.hidden_states(ids, mask)
        adapted = base.hidden_states(ids, mask, adapter=adapter)

    assert torch.equal(plain, adapted)


def test_an_adapter_whose_file_does_not_match_its_manifest_is_refused(tmp_path: Path):
    weights, manifest = pair_scorer.adapter_paths()
    shutil.copy(weights, tmp_path / weights.name)
    meta = json.loads(manifest.read_text())
    (tmp_path / manifest.name).write_text(json.dumps({**meta, "weights_sha256": "0" * 64}))

    with pytest.raises(AdapterMissingError, match="does not match"):
        load_adapter(directory=tmp_path)


def test_the_committed_scorer_ranks_a_paraphrase_above_a_related_and_an_unrelated_sentence():
    claim = "Hamas did not send a delegation to the ceasefire talks in Doha."
    logits = pair_scorer.pair_scorer().logits(
        [
            (claim, "Hamas refused to send a delegation to the Doha ceasefire negotiations."),
            (claim, "Qatar's prime minister met Iran's foreign minister in Doha on Thursday."),
            (claim, "The price of wheat rose by four percent in Chicago."),
        ]
    )

    assert logits[0] > logits[1] > logits[2]


def test_the_committed_calibration_links_automatically_only_where_its_validation_precision_was_095():
    shipped = calibration.shipped()
    assert shipped is not None
    manifest = pair_scorer.pair_scorer().manifest

    assert shipped.suggest_at < shipped.auto_at <= 1.0
    assert shipped.validation["auto_precision"] >= calibration.AUTO_PRECISION
    assert manifest["data"]["mrpc"]["counts"]["report"] > 0
    assert np.isfinite(shipped.weights).all()


def test_a_pair_read_again_gets_the_same_logit_from_memory():
    scorer = pair_scorer.pair_scorer()
    pairs = [("Talks resume in Doha on Monday.", "Negotiations restart in Doha Monday."), ("A b c.", "D e f.")]

    first = scorer.logits(pairs)
    again = scorer.logits(list(reversed(pairs)))

    assert again.tolist() == list(reversed(first.tolist()))
    assert pairs[0] in scorer._memo


def test_the_adapter_folded_into_the_weights_gives_the_same_logits_and_leaves_the_encoder_alone():
    scorer = pair_scorer.pair_scorer()
    pairs = [
        ("Talks resume in Doha on Monday.", "Negotiations restart in Doha Monday."),
        ("The ministry counted 8,005 deaths.", "A storm closed the port for two days."),
    ]
    name = "encoder.layer.0.attention.self.query.weight"
    packaged = scorer.base.w[name].clone()

    model, head = pair_scorer.folded(scorer.base, scorer.adapter)
    with torch.inference_mode():
        for _, batch in pair_scorer.pair_batches(scorer.base, pairs, batch_size=2):
            with_terms = pair_scorer.pair_logits(scorer.base, scorer.adapter, batch)
            folded_in = pair_scorer.pair_logits(model, head, batch)
            assert torch.allclose(with_terms, folded_in, atol=1e-4)

    assert not torch.equal(model.w[name], packaged)  # the adapter changed this layer
    assert torch.equal(scorer.base.w[name], packaged)


def test_one_pass_gives_the_paraphrase_and_the_support_logit_of_each_pair():
    scorer = pair_scorer.pair_scorer()
    pairs = [("Talks resume in Doha on Monday.", "Negotiations restart in Doha Monday."), ("A b c.", "D e f.")]

    both = scorer.head_logits(pairs)

    assert both.shape == (2, 2)
    assert both[:, 0].tolist() == scorer.logits(pairs).tolist()
    assert not np.allclose(both[:, 0], both[:, 1])  # two heads, trained apart


def test_a_pairs_logits_do_not_depend_on_the_pairs_read_with_it():
    target = ("Talks resume in Doha on Monday.", "Negotiations restart in Doha Monday.")
    others = [(f"Sentence {n} about the port.", f"A reply {n} about ships and a long storm at sea.") for n in range(40)]
    first = pair_scorer.PairScorer(encoder(), *load_adapter())
    second = pair_scorer.PairScorer(encoder(), *load_adapter())  # its own memory

    alone = first.head_logits([target])
    crowded = second.head_logits([*others[:17], target, *others[17:]])[17]

    assert np.array_equal(alone[0], crowded)


def test_a_scorer_without_a_support_branch_gives_its_paraphrase_logit_for_both():
    adapter, manifest = load_adapter("pair-scorer-v1")
    scorer = pair_scorer.PairScorer(encoder(), adapter, manifest)

    both = scorer.head_logits([("Talks resume in Doha on Monday.", "Negotiations restart in Doha Monday.")])

    assert both[0, 0] == both[0, 1]


def test_the_support_branch_leaves_the_paraphrase_logits_of_the_adapter_it_was_built_on():
    v1 = pair_scorer.PairScorer(encoder(), *load_adapter("pair-scorer-v1"))
    pairs = [("Talks resume in Doha on Monday.", "Negotiations restart in Doha Monday."), ("A b c.", "D e f.")]

    shipped = pair_scorer.pair_scorer().logits(pairs)

    assert np.allclose(shipped, v1.logits(pairs), atol=1e-4)


def test_a_support_branch_written_with_its_adapter_is_read_back_apart():
    base = encoder()
    paraphrase = LowRankAdapter.initial(base, AdapterShape(), seed=1)
    branch = LowRankAdapter.initial(base, AdapterShape(first=4), seed=2)

    both = paraphrase.with_support(branch)
    again = both.support()

    assert again is not None
    assert set(both.paraphrase().tensors) == set(paraphrase.tensors)
    assert set(again.tensors) == set(branch.tensors)
    assert again.shape.first == 4
    assert all(name.startswith(("encoder.layer.4.", "encoder.layer.5.")) for name in again.shape.names())


def test_the_committed_support_head_backs_a_report_that_says_more_and_not_a_related_one():
    claim = "The health ministry said 40,005 people have been killed in Gaza."
    both = pair_scorer.pair_scorer().head_logits(
        [
            (claim, "According to the ministry, more than 40,000 Palestinians have died in Gaza since October."),
            (claim, "The ministry building in Gaza was damaged in a strike."),
        ]
    )

    assert both[0, 1] > 0 > both[1, 1]


def test_the_committed_support_calibration_was_fitted_on_the_support_sets_the_manifest_names():
    support = calibration.shipped_support()
    manifest = pair_scorer.pair_scorer().manifest
    assert support is not None

    assert support.features == calibration.SUPPORT_FEATURES
    assert not support.prunes_suggestions  # it adds suggestions to the cosine rule's, never drops one
    assert 0.0 < support.suggest_at < 1.0
    assert {"climate-fever", "wice"} <= set(manifest["data"])
    assert manifest["data"]["support_counts"]["report"] > 0
