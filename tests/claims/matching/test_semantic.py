"""The sentence encoder: genuine weights only, sensible similarities; hyperplane band keys."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from claims.matching.semantic import (
    DIM,
    MODEL_SHA256,
    CrossPolytopeLSH,
    HyperplaneLSH,
    MiniLM,
    ModelIntegrityError,
    SimHashSketch,
    cpu_flags,
    encoder,
    model_dir,
    precision_for,
    precision_wanted,
    sha256_of,
    sketch_distance,
    verify_weights,
)


def test_the_hard_coded_hash_is_the_genuine_one():
    assert MODEL_SHA256.startswith("53aa5117")
    assert MODEL_SHA256.endswith("8d9db")
    assert len(MODEL_SHA256) == 64


def test_weights_with_another_hash_are_refused(tmp_path: Path):
    fake = tmp_path / "model.safetensors"
    fake.write_bytes(b"not the weights")
    with pytest.raises(ModelIntegrityError, match="refusing to load"):
        verify_weights(fake)
    with pytest.raises(ModelIntegrityError, match="not found"):
        verify_weights(tmp_path / "missing.safetensors")


def test_loading_checks_the_hash_before_use(tmp_path: Path):
    directory = model_dir()
    assert sha256_of(directory / "model.safetensors") == MODEL_SHA256
    with pytest.raises(ModelIntegrityError):
        MiniLM(directory, expected_sha256="0" * 64)


def test_embeddings_are_unit_vectors_and_paraphrases_are_closest():
    vectors = encoder().encode(
        [
            "Hamas refused to send a delegation to the ceasefire talks.",
            "Hamas has refused to participate in these talks.",
            "The central bank raised interest rates by half a point.",
        ]
    )
    assert vectors.shape == (3, DIM)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    paraphrase, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert paraphrase > 0.6
    assert unrelated < 0.2


@pytest.fixture(scope="module")
def own_model() -> MiniLM:
    """An encoder of its own, so that setting its arithmetic leaves the process-wide one alone."""
    return MiniLM()


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_a_vector_depends_on_its_text_alone_not_on_what_it_was_embedded_with(own_model: MiniLM, precision: str):
    texts = ["A short one.", "A much longer sentence that needs padding when batched with the short one."]
    crowd = [f"Another sentence, number {n}, that fills the batch." for n in range(20)]
    own_model.use_precision(precision)

    together = own_model.encode(texts)
    alone = np.stack([own_model.encode([t])[0] for t in texts])
    among_others = own_model.encode([*crowd[:7], texts[1], *crowd[7:], texts[0]])[[-1, 7]]

    assert np.array_equal(together, alone)
    assert np.array_equal(together, among_others)
    assert own_model.encode([]).shape == (0, DIM)


def test_a_query_read_alone_is_within_a_ten_thousandth_of_its_stored_vector(own_model: MiniLM):
    own_model.use_precision("bf16")

    stored = own_model.encode(["Hamas refused to send a delegation"])[0]
    query = own_model.encode_query("Hamas refused to send a delegation")

    assert float(stored @ query) > 0.9999


def test_bf16_and_fp32_give_nearly_the_same_vectors(own_model: MiniLM):
    texts = ["The health ministry said 40,005 people had been killed.", "Talks resume in Doha on Monday."]

    own_model.use_precision("fp32")
    full = own_model.encode(texts)
    own_model.use_precision("bf16")
    half = own_model.encode(texts)

    assert np.einsum("ij,ij->i", full, half).min() > 0.999


def test_bf16_casts_the_weights_once_and_gives_what_casting_them_on_every_call_gives(
    own_model: MiniLM, monkeypatch: pytest.MonkeyPatch
):
    texts = ["The health ministry said 40,005 people had been killed.", "Talks resume in Doha on Monday."]
    own_model.use_precision("bf16")

    cast_once = own_model.encode(texts)
    weights = own_model._bf16_weights()
    own_model.encode(texts)
    monkeypatch.setattr(MiniLM, "_in_bf16", staticmethod(lambda: False))
    cast_every_call = own_model.encode(texts)

    assert np.array_equal(cast_once, cast_every_call)
    assert own_model._bf16_weights() is weights


def test_a_copy_with_other_weights_reads_its_own_weights_in_bf16(own_model: MiniLM):
    texts = ["Talks resume in Doha on Monday."]
    own_model.use_precision("bf16")
    mine = own_model.encode(texts)  # its bf16 weights are made now, and a shallow copy takes them along
    other = copy.copy(own_model)
    name = "encoder.layer.0.intermediate.dense.weight"
    other.w = {**own_model.w, name: own_model.w[name] * 0.5}  # as pair_scorer.folded makes its copy

    assert float(other.encode(texts)[0] @ mine[0]) < 0.9999
    assert np.array_equal(own_model.encode(texts), mine)


def test_auto_precision_is_bf16_only_on_a_cpu_with_amx_tiles():
    assert precision_for("fpu sse2 avx2 avx512f amx_bf16 amx_tile amx_int8") == "bf16"
    assert precision_for("fpu sse2 avx2 avx512f avx512_bf16") == "fp32"
    assert precision_for("") == "fp32"


def test_the_cpu_flags_are_read_from_the_first_processor(tmp_path: Path):
    listing = tmp_path / "cpuinfo"
    listing.write_text("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n")

    assert precision_for(cpu_flags(listing)) == "bf16"
    assert cpu_flags(tmp_path / "missing") == ""


def test_the_wanted_precision_comes_from_the_environment_and_a_wrong_one_is_refused(own_model: MiniLM):
    assert precision_wanted({}) == "auto"
    assert precision_wanted({"ENCODER_PRECISION": " FP32 "}) == "fp32"
    with pytest.raises(ValueError, match="ENCODER_PRECISION must be one of auto, fp32, bf16"):
        precision_wanted({"ENCODER_PRECISION": "int8"})
    with pytest.raises(ValueError, match="fp32 or bf16"):
        own_model.use_precision("auto")


@pytest.mark.parametrize("make", [HyperplaneLSH, CrossPolytopeLSH])
def test_band_keys_are_stable_and_follow_similarity(make):
    rng = np.random.default_rng(1)
    base = rng.standard_normal((1, DIM)).astype(np.float32)
    near = base + 0.05 * rng.standard_normal((1, DIM)).astype(np.float32)
    far = rng.standard_normal((1, DIM)).astype(np.float32)
    vectors = np.concatenate([base, near, far])
    lsh = make()
    keys = lsh.band_keys(vectors)
    assert keys.shape == (3, lsh.bands)
    assert np.array_equal(keys, make().band_keys(vectors))
    assert np.sum(keys[0] == keys[1]) > np.sum(keys[0] == keys[2])


def test_hyperplane_collisions_follow_the_cosine():
    lsh = HyperplaneLSH()
    assert lsh.bands == 32
    assert lsh.collision_probability(0.95) > 0.99 > lsh.collision_probability(0.3)


def test_hyperplanes_do_not_depend_on_the_numpy_random_stream():
    # Derived from fixed labels: the same planes on every machine, so stored keys stay valid.
    planes = HyperplaneLSH(bands=2, rows=4).planes
    assert planes.shape == (8, DIM)
    assert planes[0, :3].tolist() == pytest.approx([1.37, 0.052, -1.9939], abs=1e-4)
    assert abs(float(planes.mean())) < 0.1
    assert 0.9 < float(planes.std()) < 1.1


def _across_one_plane(lsh: HyperplaneLSH, plane: int) -> tuple[np.ndarray, np.ndarray]:
    """Two vectors with the same projections on every plane but ``plane``, on which they sit just either side."""
    v = np.random.default_rng(4).standard_normal(DIM)
    p = lsh.planes[plane].astype(np.float64) / np.linalg.norm(lsh.planes[plane])
    inside = v - (v @ p) * p
    return (inside + 1e-4 * p)[None].astype(np.float32), (inside - 1e-4 * p)[None].astype(np.float32)


def test_without_probes_the_rows_are_the_band_keys_of_today():
    vectors = np.random.default_rng(5).standard_normal((3, DIM)).astype(np.float32)
    lsh = HyperplaneLSH()
    rows = lsh.row_keys(vectors)
    assert rows.shape == (3, 32, 1)
    assert np.array_equal(rows[:, :, 0], lsh.band_keys(vectors))


def test_a_probe_flips_the_least_certain_bit_of_each_band():
    vectors = np.random.default_rng(6).standard_normal((5, DIM)).astype(np.float32)
    lsh = HyperplaneLSH(bands=4, rows=8, probes=2)
    margin = np.abs(vectors @ lsh.planes.T).reshape(5, 4, 8)
    flips = lsh.uncertain_bits(vectors)
    assert flips.shape == (5, 4, 2)
    assert np.array_equal(flips[:, :, 0], margin.argmin(axis=2))
    assert (np.take_along_axis(margin, flips[:, :, :1], 2) <= np.take_along_axis(margin, flips[:, :, 1:], 2)).all()


def test_two_texts_either_side_of_their_least_certain_plane_share_that_band_both_ways():
    lsh = HyperplaneLSH(bands=32, rows=12, probes=1)
    one, other = _across_one_plane(lsh, plane=12 * 5 + 3)  # band 5, bit 3
    plain = HyperplaneLSH()
    assert (plain.band_keys(one) == plain.band_keys(other)).sum() == 31  # only band 5 differs
    assert lsh.uncertain_bits(one)[0, 5, 0] == lsh.uncertain_bits(other)[0, 5, 0] == 3
    rows_one, rows_other = lsh.row_keys(one)[0, 5], lsh.row_keys(other)[0, 5]
    # Each stores the other's own key as its probe, and the same two rows whichever is computed first.
    assert rows_one[1] == rows_other[0]
    assert rows_other[1] == rows_one[0]
    assert set(rows_one.tolist()) == set(rows_other.tolist())


def test_probe_keys_do_not_depend_on_the_batch_or_the_instance():
    vectors = np.random.default_rng(7).standard_normal((6, DIM)).astype(np.float32)
    together = HyperplaneLSH(probes=1).row_keys(vectors)
    alone = np.concatenate([HyperplaneLSH(probes=1).row_keys(vectors[[i]]) for i in reversed(range(6))])[::-1]
    assert np.array_equal(together, alone)
    assert together.shape == (6, 32, 2)
    assert (together[:, :, 0] != together[:, :, 1]).all()


def test_probes_are_bounded_by_the_bits_of_a_band():
    with pytest.raises(ValueError, match="probes"):
        HyperplaneLSH(rows=4, probes=5)


def test_a_cross_polytope_hash_is_the_signed_axis_nearest_the_projection():
    lsh = CrossPolytopeLSH(bands=1, hashes=1, projection=4)
    direction = lsh.directions[2] / np.linalg.norm(lsh.directions[2])
    codes = lsh.codes(np.stack([direction, -direction]).astype(np.float32))
    # Along a direction its own projection is the largest: axis 2, positive then negative.
    assert codes[:, 0].tolist() == [4, 5]


def test_wide_bands_pack_into_one_key():
    vectors = np.random.default_rng(2).standard_normal((4, DIM)).astype(np.float32)
    keys = HyperplaneLSH(bands=3, rows=40).band_keys(vectors)
    assert keys.shape == (4, 3)
    assert len(set(keys[:, 0].tolist())) == 4


def test_a_static_table_encodes_by_averaging_token_rows():
    from claims.matching.semantic import StaticEncoder

    model = encoder()
    table = np.random.default_rng(3).standard_normal((model.tokenizer.get_vocab_size(), 16)).astype(np.float32)
    static = StaticEncoder(table, model)
    vectors = static.encode(["Hamas refused", "Hamas refused", "", "Qatar mediated"])
    assert vectors.shape == (4, 16)
    assert np.allclose(np.linalg.norm(vectors[[0, 1, 3]], axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[1])
    assert not vectors[2].any()  # no token: a zero vector, which matches nothing


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_a_sketch_distance_grows_with_the_angle_between_embeddings():
    rng = np.random.default_rng(4)
    base = unit(rng.standard_normal((200, DIM)))
    near = unit(base + 0.15 * rng.standard_normal((200, DIM)) / np.sqrt(DIM) * 4)
    far = unit(rng.standard_normal((200, DIM)))
    sketcher = SimHashSketch()
    words = [sketcher.words(v).tolist() for v in (base, near, far)]

    near_d = [sketch_distance(a, b) for a, b in zip(words[0], words[1], strict=True)]
    far_d = [sketch_distance(a, b) for a, b in zip(words[0], words[2], strict=True)]
    cosines = np.einsum("ij,ij->i", base, near)
    expected = 128 * np.arccos(cosines) / np.pi

    # Each of 128 bits differs with probability angle / pi: the mean follows, unrelated texts sit near 64.
    assert abs(float(np.mean(near_d)) - float(np.mean(expected))) < 2
    assert 60 < float(np.mean(far_d)) < 68
    assert max(near_d) < min(far_d)


def test_a_sketch_is_two_signed_words_the_same_on_every_call():
    vectors = unit(np.random.default_rng(5).standard_normal((3, DIM)))
    first, again = SimHashSketch().words(vectors), SimHashSketch().words(vectors)
    assert first.shape == (3, 2)
    assert first.dtype == np.int64
    assert first.tolist() == again.tolist()
    assert sketch_distance(first[0].tolist(), first[0].tolist()) == 0
    assert sketch_distance([-1, 0], [0, 0]) == 64  # all 64 bits of a negative word count
