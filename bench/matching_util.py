"""Helpers shared by the matching benchmarks: machine line, cached embeddings, metrics."""

from __future__ import annotations

import hashlib
import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from claims.matching.calibration import Calibration
    from claims.matching.pair_scorer import PairScorer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "eval"
CACHE = ROOT / "var" / "bench-cache"


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    import torch

    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), load average {os.getloadavg()[0]:.2f}"
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def embed(texts: Sequence[str], label: str, use_cache: bool = True) -> tuple[npt.NDArray[np.float32], float]:
    """Embeddings of ``texts`` (cached under var/ by content and arithmetic) and the sentences/s of their run."""
    from claims.matching.semantic import MODEL_SHA256, encoder

    model = encoder()
    # The arithmetic is part of the key: vectors made in fp32 are not reused by a run in bf16.
    digest = hashlib.sha256(("\x1e".join(texts) + MODEL_SHA256 + model.precision).encode()).hexdigest()[:16]
    path = CACHE / f"{label}-{digest}.npy"
    if use_cache and path.exists():
        return np.load(path), 0.0
    start = time.perf_counter()
    vectors = model.encode(texts)
    rate = len(texts) / (time.perf_counter() - start)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors, rate


def previous_scorer(name: str, calibration_path: Path | None = None) -> tuple[PairScorer, Calibration]:
    """An earlier pair-scorer adapter in ``weights/`` with its calibration (``calibration_path``, else the one
    beside it), as it was deployed (the current path)."""
    from claims.matching import calibration
    from claims.matching.pair_scorer import WEIGHTS_DIR, PairScorer, load_adapter
    from claims.matching.semantic import encoder

    adapter, manifest = load_adapter(name)
    cal = calibration.shipped(calibration_path or WEIGHTS_DIR / f"{name}.calibration.json")
    if cal is None:
        raise SystemExit(f"no calibration for {name} at {calibration_path or WEIGHTS_DIR}")
    return PairScorer(encoder(), adapter, manifest), cal


def prf(predicted: npt.NDArray[np.bool_], gold: npt.NDArray[np.bool_]) -> tuple[float, float, float]:
    tp = float(np.sum(predicted & gold))
    precision = tp / max(float(predicted.sum()), 1.0)
    recall = tp / max(float(gold.sum()), 1.0)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return precision, recall, f1


def best_f1_threshold(scores: npt.NDArray[np.float64], gold: npt.NDArray[np.bool_]) -> float:
    candidates = np.unique(np.round(scores, 2))
    return float(max(candidates, key=lambda t: (prf(scores >= t, gold)[2], -t)))


def precision_threshold(scores: npt.NDArray[np.float64], gold: npt.NDArray[np.bool_], target: float) -> float:
    """Lowest threshold (step 0.01) whose precision reaches ``target``; the highest score if none does."""
    for t in np.arange(0.0, 1.0, 0.01):
        predicted = scores >= t
        if predicted.sum() >= 20 and prf(predicted, gold)[0] >= target:
            return float(round(t, 2))
    return float(scores.max())


def spearman(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    def ranks(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        order = np.argsort(v, kind="stable")
        r = np.empty(len(v), dtype=np.float64)
        r[order] = np.arange(len(v), dtype=np.float64)
        # average ranks of ties
        _, inverse = np.unique(v, return_inverse=True)
        sums = np.bincount(inverse, weights=r)
        counts = np.bincount(inverse)
        return (sums / counts)[inverse]

    rx, ry = ranks(x), ranks(y)
    return float(np.corrcoef(rx, ry)[0, 1])


def paired_bootstrap(
    metric: Callable[[npt.NDArray[np.int64]], float], size: int, rounds: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """95% interval of ``metric`` over resamples of the item indices (the same resample for both systems).

    ``metric(indices)`` returns a difference between two systems computed on those items, so the
    interval is of the paired difference: if it excludes 0, the difference is not resampling noise.
    """
    rng = np.random.default_rng(seed)
    values = np.array([metric(rng.integers(0, size, size)) for _ in range(rounds)])
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))
