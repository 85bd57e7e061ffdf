"""Pair scorer: the packaged MiniLM read as a cross-encoder, with a low-rank adapter trained for it.

A bi-encoder compares two texts through one vector each, so it cannot see which words of one
answer which words of the other; a cross-encoder reads both texts at once (``[CLS] a [SEP] b
[SEP]``, the second text as BERT's segment B) and gives one logit for "these say the same
thing". It costs a forward pass per pair, so it re-scores only the candidates the band rows
and the cosine floor let through.

Two heads: ``paraphrase`` ("the two texts say the same thing", trained on MRPC and STS-B: it
decides automatic links and duplicate groups) and ``support`` ("one text backs what the other
says", trained on claim -> evidence pairs in either order: a report that says more than the claim
still supports it, though it is no paraphrase; it decides evidence suggestions). They share the
first layers of one pass; the support head reads the last ``SUPPORT_LAYERS`` again with a branch
adapter of its own, so the paraphrase head is exactly what it was before the support head came
(training both through all layers cost the paraphrase head most of its automatic links).

The adapter is LoRA (Hu et al., 2021): for each adapted linear layer ``W``, ``W x + (alpha / r)
B A x`` with ``A`` (r x in) and ``B`` (out x r) trained and ``W`` frozen, plus a linear head per
task on the mean of the last layer's token states. The packaged weights stay as they are (and are still
checked by hash); the adapter is a few hundred kilobytes in ``weights/``, written by
``scripts/train_pair_scorer.py`` from named training data, with its provenance in the manifest
beside it. No Django here.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from claims.matching.semantic import DIM, MiniLM, encoder, fixed_batches

if TYPE_CHECKING:
    import torch

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
ADAPTER_NAME = "pair-scorer-v2"
SUPPORT_LAYERS = 2  # the last layers the support head reads again, with its branch adapter
SUPPORT_BRANCH = "support_branch."  # prefix of the branch adapter's tensors in the weights file
SUPPORT_HEAD = "support_head."
MAX_PAIR_TOKENS = 160  # two news sentences; longer pairs are cut from the longer text
TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


@dataclass(frozen=True, slots=True)
class AdapterShape:
    rank: int = 8
    alpha: float = 16.0
    layers: int = 6
    targets: tuple[str, ...] = TARGETS
    first: int = 0  # the first adapted layer (a support branch adapts only the last ones)

    def names(self) -> list[str]:
        return [f"encoder.layer.{n}.{t}" for n in range(self.first, self.layers) for t in self.targets]


class LowRankAdapter:
    """The trained tensors: ``<layer>.lora_a``/``.lora_b`` per adapted layer and ``head.weight``/``head.bias``.

    A file with a support head holds the branch (``support_branch.<layer>.lora_*``) and its head
    (``support_head.*``) beside them: ``paraphrase()`` and ``support()`` part them.
    """

    def __init__(self, tensors: Mapping[str, torch.Tensor], shape: AdapterShape) -> None:
        self.tensors = dict(tensors)
        self.shape = shape
        self.scale = shape.alpha / shape.rank

    @classmethod
    def initial(cls, base: MiniLM, shape: AdapterShape, seed: int) -> LowRankAdapter:
        """A at small random values, B at zero: the adapted model starts exactly as the packaged one."""
        import torch

        generator = torch.Generator().manual_seed(seed)
        tensors: dict[str, torch.Tensor] = {}
        for name in shape.names():
            out_features, in_features = base.w[name + ".weight"].shape
            tensors[name + ".lora_a"] = torch.randn(shape.rank, in_features, generator=generator) / in_features**0.5
            tensors[name + ".lora_b"] = torch.zeros(out_features, shape.rank)
        tensors["head.weight"] = torch.zeros(1, DIM)
        tensors["head.bias"] = torch.zeros(1)
        return cls(tensors, shape)

    def add(self, name: str, x: torch.Tensor, out: torch.Tensor, dropout: float) -> torch.Tensor:
        a = self.tensors.get(name + ".lora_a")
        if a is None:
            return out
        import torch

        if dropout:
            x = torch.nn.functional.dropout(x, p=dropout, training=True)
        return out + (x @ a.T) @ self.tensors[name + ".lora_b"].T * self.scale

    def head(self, pooled: torch.Tensor) -> torch.Tensor:
        return (pooled @ self.tensors["head.weight"].T + self.tensors["head.bias"]).squeeze(-1)

    def paraphrase(self) -> LowRankAdapter:
        """The paraphrase adapter: every tensor but the support branch's and head's."""
        kept = {k: v for k, v in self.tensors.items() if not k.startswith((SUPPORT_BRANCH, SUPPORT_HEAD))}
        return LowRankAdapter(kept, self.shape)

    def support(self) -> LowRankAdapter | None:
        """The support branch as an adapter of the last ``SUPPORT_LAYERS``, with its head; None without one."""
        if SUPPORT_HEAD + "weight" not in self.tensors:
            return None
        tensors = {k.removeprefix(SUPPORT_BRANCH): v for k, v in self.tensors.items() if k.startswith(SUPPORT_BRANCH)}
        tensors.update({"head." + k.removeprefix(SUPPORT_HEAD): v for k, v in self.tensors.items()
                        if k.startswith(SUPPORT_HEAD)})  # fmt: skip
        first = self.shape.layers - SUPPORT_LAYERS
        return LowRankAdapter(tensors, dataclasses.replace(self.shape, first=first))

    def with_support(self, support: LowRankAdapter) -> LowRankAdapter:
        """This (paraphrase) adapter and a support branch with its head, as one file holds them."""
        tensors = dict(self.paraphrase().tensors)
        for k, v in support.tensors.items():
            tensors[SUPPORT_HEAD + k.removeprefix("head.") if k.startswith("head.") else SUPPORT_BRANCH + k] = v
        return LowRankAdapter(tensors, self.shape)


@dataclass(slots=True)
class PairBatch:
    ids: npt.NDArray[np.int64]
    types: npt.NDArray[np.int64]
    mask: npt.NDArray[np.int64]


def pair_batches(
    base: MiniLM, pairs: Sequence[tuple[str, str]], batch_size: int, fill: bool = False
) -> list[tuple[list[int], PairBatch]]:
    """Token ids of each pair as one sequence, in batches of similar length (positions in ``pairs`` first).

    With ``fill``, batches of ``semantic.fixed_batches``: a pair's logits then depend on the pair alone,
    not on what it was read with (a match job's chunks and a recompute agree to the last digit).
    """
    tokenizer = base.tokenizer
    encodings = [tokenizer.encode(a, b) for a, b in pairs]
    if fill:
        shapes = fixed_batches([len(e.ids) for e in encodings], batch_size, MAX_PAIR_TOKENS)
    else:
        order = sorted(range(len(pairs)), key=lambda i: len(encodings[i].ids))
        shapes = []
        for lo in range(0, len(order), batch_size):
            chunk = order[lo : lo + batch_size]
            shapes.append((chunk, chunk, min(max(len(encodings[i].ids) for i in chunk), MAX_PAIR_TOKENS)))
    out = []
    for chunk, rows, width in shapes:
        ids = np.zeros((len(rows), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for row, i in enumerate(rows):
            seq, seg = _fit(encodings[i].ids, encodings[i].type_ids, width)
            ids[row, : len(seq)], types[row, : len(seq)], mask[row, : len(seq)] = seq, seg, 1
        out.append((chunk, PairBatch(ids, types, mask)))
    return out


def _fit(ids: list[int], types: list[int], width: int) -> tuple[list[int], list[int]]:
    """Cut the longer text's tail until the pair fits, keeping both [SEP] marks."""
    ids, types = list(ids), list(types)
    while len(ids) > width:
        first = types.count(0)
        second = len(ids) - first
        # the token before each text's closing [SEP]
        cut = first - 2 if first >= second else len(ids) - 2
        del ids[cut], types[cut]
    return ids, types


def pair_logits(base: MiniLM, adapter: LowRankAdapter, batch: PairBatch, dropout: float = 0.0) -> torch.Tensor:
    """The logit of ``adapter``'s head for each pair, through every layer."""
    import torch

    attention = torch.as_tensor(batch.mask)
    x = base.hidden_states(
        torch.as_tensor(batch.ids), attention, torch.as_tensor(batch.types), adapter=adapter, dropout=dropout
    )
    return adapter.head(_pooled(x, attention, dropout))


def support_logits(model: MiniLM, branch: LowRankAdapter, batch: PairBatch, dropout: float = 0.0) -> torch.Tensor:
    """The support head's logit for each pair: ``model`` (the paraphrase adapter folded in) up to the branch,
    then the branch's layers with its low-rank terms. Nothing before the branch is trained."""
    import torch

    attention = torch.as_tensor(batch.mask)
    with torch.no_grad():
        x = model.token_states(torch.as_tensor(batch.ids), torch.as_tensor(batch.types))
        shared = model.layer_states(x, attention, range(branch.shape.first))
    x = model.layer_states(shared, attention, range(branch.shape.first, model.layers), branch, dropout)
    return branch.head(_pooled(x, attention, dropout))


def both_logits(model: MiniLM, support: MiniLM | None, head: LowRankAdapter, batch: PairBatch) -> torch.Tensor:
    """(n, 2): paraphrase and support logits from the folded models (``folded``), the first layers run once."""
    import torch

    attention = torch.as_tensor(batch.mask)
    x = model.token_states(torch.as_tensor(batch.ids), torch.as_tensor(batch.types))
    first = model.layers - SUPPORT_LAYERS if support is not None else model.layers
    shared = model.layer_states(x, attention, range(first))
    paraphrase = head.head(_pooled(model.layer_states(shared, attention, range(first, model.layers)), attention))
    if support is None:
        return torch.stack([paraphrase, paraphrase], dim=1)
    branch = _pooled(support.layer_states(shared, attention, range(first, model.layers)), attention)
    backing = (branch @ head.tensors[SUPPORT_HEAD + "weight"].T + head.tensors[SUPPORT_HEAD + "bias"]).squeeze(-1)
    return torch.stack([paraphrase, backing], dim=1)


def _pooled(x: torch.Tensor, attention: torch.Tensor, dropout: float = 0.0) -> torch.Tensor:
    import torch

    weights = attention.unsqueeze(-1).to(x.dtype)
    pooled = (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
    if dropout:
        pooled = torch.nn.functional.dropout(pooled, p=dropout, training=True)
    return pooled


def folded(base: MiniLM, adapter: LowRankAdapter) -> tuple[MiniLM, LowRankAdapter]:
    """The model with the adapter's low-rank terms folded into its weights (``W + (alpha / r) B A``), and the head.

    The same logits as ``base`` with ``adapter`` (to float rounding), at the cost of the packaged model
    alone: per adapted layer, two thin products less on every token. ``base`` keeps its weights (the
    encoder shares them); the folded copy holds its own adapted matrices (about 40 MB).
    """
    model = copy.copy(base)
    model.w = dict(base.w)
    for name in adapter.shape.names():
        a, b = adapter.tensors.get(name + ".lora_a"), adapter.tensors.get(name + ".lora_b")
        if a is not None and b is not None:
            model.w[name + ".weight"] = base.w[name + ".weight"] + adapter.scale * (b @ a)
    head = {k: v for k, v in adapter.tensors.items() if k.startswith("head.")}
    return model, LowRankAdapter(head, adapter.shape)


class PairScorer:
    """Logits of pairs of texts from the adapter in ``weights/``: paraphrase ("they say the same thing") and support.

    Logits are remembered per pair of texts (the last ``MEMO_PAIRS``): a recompute, a re-match after
    an edit elsewhere in the article, or the next chunk of one job reads many of the same pairs again.
    The pairs are read by the model with the adapter folded in (``folded``), once for both heads.
    """

    MEMO_PAIRS = 50_000  # about 20 MB of text pairs per process

    def __init__(self, base: MiniLM, adapter: LowRankAdapter, manifest: Mapping[str, Any]) -> None:
        self.base = base
        self.adapter = adapter
        self.manifest = dict(manifest)
        # Read by ``both_logits``: the paraphrase adapter folded in; the support branch folded on top of it, in its
        # own copy of the last layers' weights; the heads.
        self.folded_model, self.heads = folded(base, adapter.paraphrase())
        branch = adapter.support()
        self.folded_support = None if branch is None else folded(self.folded_model, branch)[0]
        if branch is not None:
            self.heads.tensors.update({SUPPORT_HEAD + k.removeprefix("head."): v
                                       for k, v in branch.tensors.items() if k.startswith("head.")})  # fmt: skip
        self._lock = threading.Lock()
        self._memo: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()

    @property
    def version(self) -> str:
        return f"{ADAPTER_NAME}:{str(self.manifest.get('weights_sha256', ''))[:12]}"

    def logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 16) -> npt.NDArray[np.float64]:
        """The paraphrase logit of each pair."""
        return self.head_logits(pairs, batch_size)[:, 0]

    def head_logits(self, pairs: Sequence[tuple[str, str]], batch_size: int = 16) -> npt.NDArray[np.float64]:
        """(n, 2): the paraphrase and the support logit of each pair."""
        out = np.zeros((len(pairs), 2), dtype=np.float64)
        import torch

        with self._lock:
            todo = [n for n, pair in enumerate(pairs) if pair not in self._memo]
            for n, pair in enumerate(pairs):
                if pair in self._memo:
                    out[n] = self._memo[pair]
                    self._memo.move_to_end(pair)
            fresh = [pairs[n] for n in todo]
            # The encoder's arithmetic (bf16 where the CPU runs it fast): logits move by a few thousandths.
            with torch.inference_mode(), self.base.autocast():
                for positions, batch in pair_batches(self.base, fresh, batch_size, fill=True):
                    both = both_logits(self.folded_model, self.folded_support, self.heads, batch)
                    values = both[: len(positions)].double().numpy()
                    for position, (paraphrase, support) in zip(positions, values.tolist(), strict=True):
                        out[todo[position]] = (paraphrase, support)
                        self._memo[fresh[position]] = (paraphrase, support)
            while len(self._memo) > self.MEMO_PAIRS:
                self._memo.popitem(last=False)
        return out


class AdapterMissingError(RuntimeError):
    """The adapter file or its manifest is missing or does not match the manifest's hash."""


def adapter_paths(name: str = ADAPTER_NAME, directory: Path = WEIGHTS_DIR) -> tuple[Path, Path]:
    return directory / f"{name}.safetensors", directory / f"{name}.json"


def save_adapter(adapter: LowRankAdapter, manifest: Mapping[str, Any], directory: Path, name: str) -> Path:
    """Write the tensors as float16 (half the size, well inside the model's precision) and the manifest."""
    from safetensors.torch import save_file

    weights, meta = adapter_paths(name, directory)
    directory.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().to_dense().half().contiguous() for k, v in sorted(adapter.tensors.items())}, str(weights))
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    meta.write_text(json.dumps({**manifest, "weights_sha256": digest}, indent=2, sort_keys=True) + "\n")
    return weights


def load_adapter(name: str = ADAPTER_NAME, directory: Path = WEIGHTS_DIR) -> tuple[LowRankAdapter, dict[str, Any]]:
    import torch
    from safetensors.torch import load_file

    weights, meta = adapter_paths(name, directory)
    if not weights.is_file() or not meta.is_file():
        raise AdapterMissingError(f"no pair-scorer adapter at {weights}; run scripts/train_pair_scorer.py")
    manifest = json.loads(meta.read_text(encoding="utf-8"))
    if hashlib.sha256(weights.read_bytes()).hexdigest() != manifest.get("weights_sha256"):
        raise AdapterMissingError(f"{weights} does not match the sha256 in {meta.name}")
    given = manifest["shape"]
    shape = AdapterShape(
        rank=int(given["rank"]),
        alpha=float(given["alpha"]),
        layers=int(given["layers"]),
        targets=tuple(given["targets"]),
        first=int(given.get("first", 0)),
    )
    tensors = {k: v.to(torch.float32) for k, v in load_file(str(weights)).items()}
    return LowRankAdapter(tensors, shape), manifest


@lru_cache(maxsize=1)
def pair_scorer() -> PairScorer:
    """The process-wide pair scorer, sharing the encoder's verified weights."""
    adapter, manifest = load_adapter()
    return PairScorer(encoder(), adapter, manifest)


def split_of(key: str, parts: Sequence[tuple[str, int]]) -> str:
    """Which part of a training file a pair belongs to, from a stable hash of its key (same on every machine).

    ``parts`` are (name, twentieths): ``[("train", 14), ("validation", 3), ("report", 3)]``.
    """
    bucket = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little") % 20
    for name, share in parts:
        if bucket < share:
            return name
        bucket -= share
    raise ValueError("parts must add up to 20 twentieths")
