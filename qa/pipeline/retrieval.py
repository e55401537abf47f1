"""Retrieval: candidate chunks from the dense and the lexical index, fused into one ranking.

The final score of a candidate passage is a weighted sum of four signals, each in [0, 1]:
the passage's cosine similarity to the question, its BM25 score (divided by the best
candidate's), and the same two for its best sentence. Scoring by the best sentence rewards
a passage that answers in one place over one that mentions the words all over. The
arithmetic is pure numpy; ``Retriever`` feeds it from an index's stores.

Questions are told apart by language (``qa.models.language``). An English question is ranked by the
index's own model (unless no document is in English); any other by the multilingual model's
vectors (``Index.space_for``). BM25 counts only for passages in the question's language: the words of a
Russian question cannot match English text, and a stray match (a number, a name) would only
add noise, so across languages the ranking is the dense signals alone.

The multilingual space keeps no sentence vectors (embedding every sentence at build time cost
as much as the chunks). There, a candidate's sentence cosine is first its chunk's, and the best
``Retriever.rerank`` candidates are then scored by their sentences' own vectors, which the index
embeds for the question (``qa.Index.sentence_vectors``) and keeps for the next.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from qa.pipeline.question import analyze
from qa.store.base import IndexView, Store
from qa.types import Passage, Question


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

    question: Question
    chunks: np.ndarray
    scores: np.ndarray

    @property
    def query(self) -> str:
        return self.question.query

    @property
    def language(self) -> str:
        return self.question.language

    def passages(self, store: Store, k: int) -> list[Passage]:
        """The best ``k`` candidates as passages."""
        if k <= 0:
            raise ValueError(f"k must be greater than 0. Currently, k is {k}")
        return [store.passage(int(c), float(s)) for c, s in zip(self.chunks[:k], self.scores[:k], strict=True)]


def sentence_signals(index: IndexView, question: Question, rows: np.ndarray, same_language: bool | np.ndarray = True,
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The two sentence signals of ``rows`` for ``question``: the cosine in its space, and the
    BM25 score (0 where the sentence is not in the question's language)."""
    dense = index.sentence_vectors(question.space, rows) @ question.vector
    lexical = np.where(same_language, index.sentence_scores(list(question.terms), rows), 0.0)
    return dense, lexical


class Retriever:
    """Hybrid retrieval: the top ``candidates`` of each index, scored by ``fuse``.

    Args:
        candidates: chunks taken from the dense and from the lexical index (``None``: the
            index's ``settings.candidates``).
        weights: the fusion weights.
        rerank: in a space without sentence vectors, the candidates whose sentences are
            embedded and scored: they come first, reordered; the rest follow in their first
            order. 8: the fewest whose R@1 and R@5 stay within 0.005 of every sentence's stored
            vector on held-out train articles (``training/choose_rerank.py``, its figures in
            ``training/data/rerank.json``; 5 lost 0.018 of R@5).
    """

    def __init__(self, *, candidates: int | None = None, weights: Weights = DEFAULT_WEIGHTS, rerank: int = 8) -> None:
        if candidates is not None and candidates <= 0:
            raise ValueError(f"candidates must be greater than 0. Currently, candidates is {candidates}")
        if rerank <= 0:
            raise ValueError(f"rerank must be greater than 0. Currently, rerank is {rerank}")
        self.candidates = candidates
        self.weights = weights
        self.rerank = rerank

    def retrieve(self, index: IndexView, question: Question | str, *, candidates: int | None = None,
                 documents: Collection[str] | None = None) -> Ranking:
        """Every candidate chunk for ``question``, best first.

        Args:
            question: analyzed (``qa.pipeline.question.analyze``), or a text to analyze.
            candidates: chunks taken from each signal when this retriever names none (a
                ``Chatbot``'s setting; default: the index's ``settings.candidates``).
            documents: only the chunks of these documents (by id), when given.

        Raises:
            QuestionError: a text that is empty, too long, or has no words.
        """
        if isinstance(question, str):
            question = analyze(index, question)
        terms = list(question.terms)
        n = self.candidates or candidates or index.settings.candidates
        within = None if documents is None else index.chunks_of(documents)
        _, dense_ids = index.dense_search(question.space, question.vector, n, within)
        _, lexical_ids = index.lexical_search(terms, n, within)
        cand = np.unique(np.concatenate([dense_ids, lexical_ids]).astype(np.int64))
        dense = index.chunk_vectors(question.space, cand) @ question.vector
        first, last = index.chunk_sentences(cand)
        last = last + 1
        # Each candidate's sentences are a contiguous run of sentence_ids.
        sentence_ids = np.concatenate([np.arange(a, b) for a, b in zip(first, last, strict=True)])
        ends = np.cumsum(last - first)
        starts = ends - (last - first)
        same_language = index.chunk_languages(cand) == question.language
        lexical = np.where(same_language, index.chunk_scores(terms, cand), 0.0)
        sentence_lexical = np.where(same_language, segment_max(index.sentence_scores(terms, sentence_ids), starts,
                                                               ends), 0.0)
        if index.has_sentence_vectors(question.space):
            sentence_dense = segment_max(index.sentence_vectors(question.space, sentence_ids) @ question.vector,
                                         starts, ends)
            fused = fuse(dense, lexical, sentence_dense, sentence_lexical, self.weights)
            order = np.argsort(-fused, kind="stable")
            return Ranking(question, cand[order], fused[order].astype(np.float32))
        # No sentence vectors kept: the chunk's cosine stands in for its best sentence's, then
        # the best candidates are scored by their sentences' own.
        fused = fuse(dense, lexical, dense, sentence_lexical, self.weights)
        order = np.argsort(-fused, kind="stable")
        top, rest = order[:self.rerank], order[self.rerank:]
        rows = np.concatenate([np.arange(first[i], last[i]) for i in top])
        own = index.sentence_vectors(question.space, rows) @ question.vector
        top_ends = np.cumsum(last[top] - first[top])
        sentence_dense = dense.copy()
        sentence_dense[top] = segment_max(own, top_ends - (last[top] - first[top]), top_ends)
        rescored = fuse(dense, lexical, sentence_dense, sentence_lexical, self.weights)
        top = top[np.argsort(-rescored[top], kind="stable")]
        # The rest keep their order, never above the candidates scored in full.
        scores = np.concatenate([rescored[top], np.minimum(fused[rest], rescored[top].min())])
        return Ranking(question, np.concatenate([cand[top], cand[rest]]), scores.astype(np.float32))
