"""Retrieval: candidate chunks from the dense and the lexical index, fused into one ranking.

The final score of a candidate passage is a weighted sum of four signals, each in [0, 1]:
the passage's cosine similarity to the question, its BM25 score (divided by the best
candidate's), and the same two for its best sentence. Scoring by the best sentence rewards
a passage that answers in one place over one that mentions the words all over. The
arithmetic is pure numpy; ``Retriever`` feeds it from an index's stores.

Questions are told apart by language (``qa.models.language``). An English question is ranked by the
index's own model (unless no document is in English); any other by the multilingual model's
vectors (``Index.dense``). BM25 counts only for passages in the question's language: the words of a
Russian question cannot match English text, and a stray match (a number, a name) would only
add noise, so across languages the ranking is the dense signals alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.index import Index, Passage
from qa.ingest.text import check_question
from qa.models.language import ENGLISH
from qa.models.language import detect as detect_language
from qa.store.lexical import tokenize


@dataclass(frozen=True)
class Weights:
    """Weights of the four ranking signals (chosen on SQuAD v1.1; see BENCHMARKS.md)."""

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


@dataclass(frozen=True)
class Ranking:
    """One search: the candidate chunk ids, best first, with their fused scores."""

    query: str
    terms: list[str]
    vector: np.ndarray
    chunks: np.ndarray
    scores: np.ndarray
    language: str = ENGLISH  # the query's; ``Index.dense(language)`` holds the space of ``vector``

    def passages(self, index: Index, k: int) -> list[Passage]:
        """The best ``k`` candidates as passages."""
        if k <= 0:
            raise ValueError(f"k must be greater than 0. Currently, k is {k}")
        return [index.passage(int(c), float(s)) for c, s in zip(self.chunks[:k], self.scores[:k], strict=True)]


class Retriever:
    """Hybrid retrieval: the top ``candidates`` of each index, scored by ``fuse``.

    Args:
        candidates: chunks taken from the dense and from the lexical index (``None``: the
            index's ``settings.candidates``).
        weights: the fusion weights.
    """

    def __init__(self, *, candidates: int | None = None, weights: Weights = DEFAULT_WEIGHTS) -> None:
        if candidates is not None and candidates <= 0:
            raise ValueError(f"candidates must be greater than 0. Currently, candidates is {candidates}")
        self.candidates = candidates
        self.weights = weights

    def retrieve(self, index: Index, query: str, *, language: str | None = None) -> Ranking:
        """Every candidate chunk for ``query``, best first.

        Args:
            language: the query's (ISO 639-1); ``None``: told from the query.

        Raises:
            QuestionError: the query is empty, too long, or has no words.
        """
        query = check_question(query, index.settings.max_question_chars)
        language = language or detect_language(query)
        store, embedder = index.dense(language)
        terms = tokenize(query, language)
        vector = embedder.encode_queries([query])[0]
        n = self.candidates or index.settings.candidates
        _, dense_ids = store.search(vector, n)
        lexical = index.chunk_lexical.scores(terms)
        lexical_ids = np.argsort(-lexical)[:n]
        lexical_ids = lexical_ids[lexical[lexical_ids] > 0]
        cand = np.unique(np.concatenate([dense_ids, lexical_ids]).astype(np.int64))
        dense = store.chunk_vectors(cand) @ vector
        first, last = index.first_sentence[cand], index.last_sentence[cand] + 1
        sentence_ids = np.concatenate([np.arange(a, b) for a, b in zip(first, last, strict=True)])
        sentence_dense = store.sentence_vectors(sentence_ids) @ vector
        sentence_lexical = index.sentence_lexical.scores(terms)[sentence_ids]
        # Each candidate's sentences are a contiguous run of sentence_ids.
        ends = np.cumsum(last - first)
        starts = ends - (last - first)
        same_language = index.chunk_languages[cand] == language
        fused = fuse(dense, np.where(same_language, lexical[cand], 0.0), segment_max(sentence_dense, starts, ends),
                     np.where(same_language, segment_max(sentence_lexical, starts, ends), 0.0), self.weights)
        order = np.argsort(-fused, kind="stable")
        return Ranking(query=query, terms=terms, vector=vector, chunks=cand[order],
                       scores=fused[order].astype(np.float32), language=language)
