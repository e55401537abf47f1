"""Quoting the nearest sentence: for a question the reader does not read (not in English, or
over a passage that is not), and the nearest passage a declined answer shows.

The nearest sentence of a passage is scored as the retriever scores sentences
(``qa.pipeline.retrieval.sentence_signals``): the cosine in the question's vector space, plus
BM25 at the default retriever's sentence weight when the passage is in the question's language.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.ingest.text import inside_quotation
from qa.pipeline.retrieval import DEFAULT_WEIGHTS, normalize_max, sentence_signals
from qa.rendering import Answer
from qa.store.base import IndexView
from qa.types import Evidence, Passage, Question

# When to decline a question the reader does not read: a threshold on the cosine to the best
# sentence over the cosine to background sentences, with the background's mean vector, both
# made on held-out SQuAD train articles by ``training/choose_quote_threshold.py``.
QUOTE_RECORD = Path(__file__).parents[1] / "models" / "quote.json"
_QUOTE_SLOPE = 40.0  # confidence: a logistic of the score over the threshold, 0.73 at +0.025


@dataclass(frozen=True)
class QuoteRule:
    """The record of ``QUOTE_RECORD``: for vectors of ``model``, decline when
    ``cos(question, sentence) - cos(question, background) < threshold``."""

    model: str
    threshold: float
    background: np.ndarray

    @classmethod
    @functools.cache
    def shipped(cls) -> QuoteRule:
        record = json.loads(QUOTE_RECORD.read_text(encoding="utf-8"))
        return cls(record["model"], float(record["threshold"]), np.asarray(record["background"], np.float32))


def logistic(z: float) -> float:
    return float(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))))


def _rows(index: IndexView, passage: Passage) -> np.ndarray:
    first, last = index.chunk_sentences(np.array([passage.chunk_id]))
    return np.arange(int(first[0]), int(last[0]) + 1)


def nearest_sentence(index: IndexView, question: Question, passage: Passage) -> tuple[int, float]:
    """The sentence of ``passage`` nearest to ``question`` (its row), and its cosine."""
    rows = _rows(index, passage)
    dense, lexical = sentence_signals(index, question, rows, index.document(passage.doc_id).language
                                      == question.language)
    best = int(np.argmax(dense + DEFAULT_WEIGHTS.sentence_lexical * normalize_max(lexical)))
    return int(rows[best]), float(dense[best])


def quote_nearest_sentence(index: IndexView, question: Question, passages: list[Passage],
                           threshold: float | None = None) -> Answer:
    """For a question the reader does not read: the best passage's ``nearest_sentence``, with
    no short answer, or declined.

    In the multilingual model's space it declines when the sentence's cosine to the question,
    less the question's cosine to the background (``QuoteRule``), is under ``threshold``
    (``None``: the shipped rule's). An index without the multilingual vectors has no such
    space: there, ``_quote_shared_words``.
    """
    if not passages:
        return _quoted(index, question, passages, None, 0.0)
    rule = QuoteRule.shipped()
    if question.space != rule.model:
        return _quote_shared_words(index, question, passages)
    row, cosine = nearest_sentence(index, question, passages[0])
    z = cosine - float(rule.background @ question.vector) - (rule.threshold if threshold is None else threshold)
    return _quoted(index, question, passages, row if z >= 0 else None, logistic(_QUOTE_SLOPE * z), nearest=row)


def _quote_shared_words(index: IndexView, question: Question, passages: list[Passage]) -> Answer:
    """Without multilingual vectors: the sentence of the best passage that shares the most words
    with the question (BM25, then cosine), declined when none shares a word; the confidence
    is that sentence's cosine."""
    rows = _rows(index, passages[0])
    dense, lexical = sentence_signals(index, question, rows)
    best = int(np.lexsort((-dense, -lexical))[0])
    return _quoted(index, question, passages, int(rows[best]) if lexical[best] > 0 else None,
                   float(np.clip(dense[best], 0.0, 1.0)), nearest=int(rows[best]))


def _quoted(index: IndexView, question: Question, passages: list[Passage], row: int | None,
            confidence: float, *, nearest: int | None = None) -> Answer:
    """An answer with no short answer that quotes sentence ``row`` citing passage 1, or declines
    (``row`` None), showing sentence ``nearest`` as the nearest passage."""
    within = passages[0] if passages else None
    return Answer(short_answer=None, quotes=[sentence_evidence(index, row, within)] if row is not None else [],
                  passages=passages, abstained=row is None, confidence=confidence, query=question.query,
                  question=question.text, documents=len(index.documents), language=question.language,
                  nearest=sentence_evidence(index, nearest, within) if row is None and nearest is not None else None)


def sentence_evidence(index: IndexView, row: int, within: Passage | None = None) -> Evidence:
    """Sentence ``row`` as evidence citing passage 1 (``within``, the passage that holds it,
    where given: with the rest of the quotation it is part of, ``quotation_span``)."""
    doc_id, start, end = index.sentence(row)
    if within is not None:
        start, end = quotation_span(within, start, end)
    doc = index.document(doc_id)
    return Evidence(doc_id, start, end, 1, doc.text[start:end], doc.page(start))


def quotation_span(passage: Passage, a: int, b: int) -> tuple[int, int]:
    """Document offsets of the sentences of ``passage`` that hold ``[a, b)``, with the
    passage's sentences before and after them that the same quotation runs over
    (``inside_quotation``; "“A. B,” he said, “C. D.”" is one): the quote is "“... January. All
    of them should be implemented,” the head of state said.", never a closing mark with no
    opening one, unless the passage itself begins inside the quotation."""
    held = [n for n, (s, e) in enumerate(passage.sentences) if s < b and a < e]
    if not held:
        return a, b
    first, last = held[0], held[-1]
    inside = inside_quotation(passage.text, [(s - passage.start, e - passage.start) for s, e in passage.sentences])
    while first > 0 and inside[first]:
        first -= 1
    while last + 1 < len(inside) and inside[last + 1]:
        last += 1
    return min(a, passage.sentences[first][0]), max(b, passage.sentences[last][1])
