"""Ranking arithmetic: fusion of dense and lexical evidence. Pure numpy, no I/O.

The final score of a candidate passage is a weighted sum of four signals, each in [0, 1]:
the passage's cosine similarity to the question, its BM25 score (divided by the best
candidate's), and the same two for its best sentence. Scoring by the best sentence rewards
a passage that answers in one place over one that mentions the words all over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Weights:
    """Weights of the four ranking signals (tuned on SQuAD v1.1 dev; see BENCHMARKS.md)."""

    dense: float = 1.0
    lexical: float = 0.35
    sentence_dense: float = 1.0
    sentence_lexical: float = 0.4


DEFAULT_WEIGHTS = Weights()


def normalize_max(scores: np.ndarray) -> np.ndarray:
    """Scores divided by their maximum (all zeros stay zeros)."""
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else np.zeros_like(scores)


def rrf(rankings: list[np.ndarray], n: int, k: int = 60) -> np.ndarray:
    """Reciprocal rank fusion: ``sum(1 / (k + rank))`` over rankings of row ids into ``n`` rows."""
    fused = np.zeros(n, dtype=np.float64)
    for ranking in rankings:
        fused[ranking] += 1.0 / (k + 1 + np.arange(len(ranking)))
    return fused


def segment_max(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``max(values[starts[i]:ends[i]])`` for each i (segments must be non-empty)."""
    return np.array([values[a:b].max() for a, b in zip(starts, ends, strict=True)], dtype=np.float32)


def fuse(dense: np.ndarray, lexical: np.ndarray, sentence_dense: np.ndarray,
         sentence_lexical: np.ndarray, weights: Weights = DEFAULT_WEIGHTS) -> np.ndarray:
    """Weighted sum of the candidates' signals; ``lexical`` signals are raw BM25 scores."""
    return (weights.dense * dense
            + weights.lexical * normalize_max(lexical)
            + weights.sentence_dense * sentence_dense
            + weights.sentence_lexical * normalize_max(sentence_lexical))
