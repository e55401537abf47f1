"""Answers read from the passages: the answer stage, and the ``Chatbot`` that composes the stages.

``Chatbot.ask`` runs three stages, each passed in or defaulted:

1. the follow-up resolution of ``qa.pipeline.conversation`` (what to search),
2. a retriever (``qa.pipeline.retrieval.Retriever``): the ranked passages,
3. an answerer (``ReaderAnswerer``): the trained reader (``qa.models.reading``) reads the best
   passages and the answer is its best span, verbatim, with the sentence that holds it
   quoted and cited, or, when no span beats the reader's no-answer score by the threshold
   recorded with its weights, a statement that the documents do not say, with the nearest
   passage. The reader reads English: a question in another language, or over a passage in
   another, is answered by quoting the passage's sentence nearest to it (multilingual
   vectors), with no short answer, or declined when none is near enough.

No language model writes anything: every word of an answer is the documents' own.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.index import Index, Passage
from qa.ingest.text import check_question
from qa.models.language import ENGLISH
from qa.models.language import detect as detect_language
from qa.models.reading import Reader
from qa.pipeline.context import reading_context
from qa.pipeline.conversation import resolve_history
from qa.pipeline.retrieval import DEFAULT_WEIGHTS, Ranking, Retriever, normalize_max
from qa.settings import Settings
from qa.store.lexical import tokenize

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



@dataclass(frozen=True)
class Evidence:
    """A quoted span of a document: ``index.document(doc_id).text[start:end] == text``.

    ``passage`` is the 1-based number of the cited passage in ``Answer.passages``; ``page``
    the page that holds the quote's start (paged documents only).
    """

    doc_id: str
    start: int
    end: int
    passage: int = 1
    text: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Answer:
    """What the bot says, and what it rests on.

    Attributes:
        short_answer: the answer itself, verbatim from a document (``None`` when declining).
        quotes: the quoted sentences that hold it, each citing its passage.
        passages: the passages read, best first; ``Evidence.passage`` numbers them from 1.
        abstained: True when the documents do not answer the question.
        confidence: how sure the reader is that the documents answer, in [0, 1] (0.5 at the
            threshold where it declines).
        query: the question as searched (a follow-up carries the question it leans on).
        question: the question as asked.
        answer_span: ``(doc_id, start, end)`` of ``short_answer`` in its document.
        documents: how many documents the index holds (the wording says "article" for one).
        language: the question's (ISO 639-1); the bot's own words are in it where it has them
            (``qa.rendering``).
        nearest: when declining, the sentence of the best passage nearest to the question
            (shown as the nearest passage; not evidence).
    """

    short_answer: str | None
    quotes: list[Evidence]
    passages: list[Passage]
    abstained: bool
    confidence: float
    query: str = ""
    question: str = ""
    answer_span: tuple[str, int, int] | None = None
    documents: int = 1
    language: str = ENGLISH
    nearest: Evidence | None = None

    @property
    def evidence(self) -> list[Evidence]:
        """The quoted spans (``quotes``), for highlighting."""
        return self.quotes

    @property
    def text(self) -> str:
        """The answer as plain text (``qa.rendering.plain``)."""
        from qa.rendering import plain

        return plain(self)


class Answerer(Protocol):
    """The answer stage: reads the ranked passages and answers, or declines."""

    def answer(self, index: Index, question: str, ranking: Ranking, passages: list[Passage]) -> Answer: ...


class ReaderAnswerer:
    """Answers with the trained reader's best span over the top passages.

    Args:
        reader: the span reader (defaults to the shipped weights).
        passages_read: how many of the best passages the reader reads at most; of those, it
            skips any whose retrieval score is more than the reader's ``read_within`` below the
            best passage's.
        threshold: the score (the reader's margin plus ``retrieval_weight`` times the passage's
            retrieval score) under which it declines (``None``: the reader's ``threshold_open``;
            both chosen on held-out SQuAD train articles for retrieved passages).
        quote_threshold: for a question the reader does not read, the score (see ``QuoteRule``)
            under which it declines (``None``: the shipped rule's).
    """

    def __init__(self, reader: Reader | None = None, *, passages_read: int = 5,
                 threshold: float | None = None, quote_threshold: float | None = None) -> None:
        if passages_read <= 0:
            raise ValueError(f"passages_read must be greater than 0. Currently, passages_read is {passages_read}")
        self.reader = reader or Reader()
        self.passages_read = passages_read
        self.threshold = self.reader.threshold_open if threshold is None else threshold
        self.quote_threshold = QuoteRule.shipped().threshold if quote_threshold is None else quote_threshold

    def answer(self, index: Index, question: str, ranking: Ranking, passages: list[Passage]) -> Answer:
        query = ranking.query
        documents = len(index.documents)
        if ranking.language != ENGLISH or (passages and index.document(passages[0].doc_id).language != ENGLISH):
            return quote_nearest_sentence(index, question, ranking, passages, self.quote_threshold)
        # An elliptical follow-up ("Why?") has no words of its own for the reader: it reads
        # the resolved query. Any other question is read as asked; retrieval used the query.
        asked = question if tokenize(question) else query
        # Of the best passages, the English ones scored near enough to the best to win (the
        # reader's ``read_within``, chosen on held-out train: reading fewer is faster).
        floor = passages[0].score - self.reader.read_within if passages else -math.inf
        read = [p for p in passages[:self.passages_read]
                if index.document(p.doc_id).language == ENGLISH and p.score >= floor]
        # A reader trained so reads each passage after its document's context (who "the
        # President" is, when only the headline names him): ``qa.pipeline.context``.
        leads = [passage_context(index, p, self.reader.context) for p in read] if self.reader.leads else None
        spans = self.reader.read(asked, [p.text for p in read], leads)
        # The reader's margin, plus the retriever's word on the passage (chosen on held-out train).
        scored = sorted(((s.margin + self.reader.retrieval_weight * read[s.passage].score, s) for s in spans),
                        key=lambda x: -x[0])
        if not scored or scored[0][0] < self.threshold:
            score = scored[0][0] if scored else -math.inf
            nearest = _evidence(index, nearest_sentence(index, ranking, passages[0])[0]) if passages else None
            return Answer(None, [], passages, True, self.confidence(score), query, question, None, documents,
                          ranking.language, nearest)
        score, best = scored[0]
        p = read[best.passage]
        start, end = _strip(p.text, best.start, best.end)
        if start >= end:  # nothing but quotation marks and spaces: the reader's span as it is
            start, end = best.start, best.end
        a, b = p.start + start, p.start + end
        quote = _sentence_span(index, p, a, b)
        doc = index.document(p.doc_id)
        evidence = Evidence(p.doc_id, quote[0], quote[1], best.passage + 1, doc.text[quote[0]:quote[1]],
                            doc.page(quote[0]))
        return Answer(doc.text[a:b] or None, [evidence], passages, False, self.confidence(score), query,
                      question, (p.doc_id, a, b), documents, ranking.language)

    def confidence(self, score: float) -> float:
        """A logistic of the score over the reader's own open threshold: 0.5 where the
        shipped bot starts to answer (whatever ``threshold`` this answerer declines at)."""
        z = score - self.reader.threshold_open
        return 0.0 if z == -math.inf else _logistic(z)


def passage_context(index: Index, passage: Passage, form: str) -> str:
    """What the reader reads before ``passage`` (``qa.pipeline.context.reading_context``): its
    heading, its document's lead sentence and the last sentence before it naming someone
    (of the ten before it)."""
    if form == "none":
        return ""
    chunk = index.chunks[passage.chunk_id]
    doc_rows = index.sentences[:, 0]
    first = int(np.searchsorted(doc_rows, doc_rows[chunk.first_sentence], side="left"))
    rows = [first, *range(max(first + 1, chunk.first_sentence - 10), chunk.first_sentence)]
    spans = [(int(index.sentences[r, 1]), int(index.sentences[r, 2])) for r in rows]
    return reading_context(passage.heading, index.document(passage.doc_id).text, spans, passage.start, form)


def _logistic(z: float) -> float:
    return float(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z)))))


def nearest_sentence(index: Index, ranking: Ranking, passage: Passage) -> tuple[int, float]:
    """The sentence of ``passage`` nearest to the ranking's question, and its cosine.

    Nearest: the cosine in the ranking's vector space, plus BM25 (at the default retriever's
    sentence weight) when the passage is in the question's language.
    """
    store, _ = index.dense(ranking.language)
    chunk = index.chunks[passage.chunk_id]
    rows = np.arange(chunk.first_sentence, chunk.last_sentence + 1)
    dense = store.sentence_vectors(rows) @ ranking.vector
    score = dense.copy()
    if index.document(chunk.doc_id).language == ranking.language:
        score += DEFAULT_WEIGHTS.sentence_lexical * normalize_max(index.sentence_lexical.scores(ranking.terms)[rows])
    best = int(np.argmax(score))
    return int(rows[best]), float(dense[best])


def quote_nearest_sentence(index: Index, question: str, ranking: Ranking, passages: list[Passage],
                           threshold: float | None = None) -> Answer:
    """For a question the reader does not read: the best passage's ``nearest_sentence``, with
    no short answer, or declined.

    In the multilingual model's space it declines when the sentence's cosine to the question,
    less the question's cosine to the background (``QuoteRule``), is under ``threshold``
    (``None``: the shipped rule's). An index without the multilingual vectors has no such
    space: there, ``_quote_shared_words``.
    """
    if not passages:
        return _quoted(index, question, ranking, passages, None, 0.0)
    rule = QuoteRule.shipped()
    if index.dense(ranking.language)[1].name != rule.model:
        return _quote_shared_words(index, question, ranking, passages)
    row, cosine = nearest_sentence(index, ranking, passages[0])
    z = cosine - float(rule.background @ ranking.vector) - (rule.threshold if threshold is None else threshold)
    return _quoted(index, question, ranking, passages, row if z >= 0 else None, _logistic(_QUOTE_SLOPE * z),
                   nearest=row)


def _quote_shared_words(index: Index, question: str, ranking: Ranking, passages: list[Passage]) -> Answer:
    """Without multilingual vectors: the sentence of the best passage that shares the most words
    with the question (BM25, then cosine), declined when none shares a word; the confidence
    is that sentence's cosine."""
    chunk = index.chunks[passages[0].chunk_id]
    rows = np.arange(chunk.first_sentence, chunk.last_sentence + 1)
    lexical = index.sentence_lexical.scores(ranking.terms)[rows]
    dense = index.vectors.sentence_vectors(rows) @ ranking.vector
    best = int(np.lexsort((-dense, -lexical))[0])
    return _quoted(index, question, ranking, passages, int(rows[best]) if lexical[best] > 0 else None,
                   float(np.clip(dense[best], 0.0, 1.0)), nearest=int(rows[best]))


def _quoted(index: Index, question: str, ranking: Ranking, passages: list[Passage], row: int | None,
            confidence: float, *, nearest: int | None = None) -> Answer:
    """An answer with no short answer that quotes sentence ``row`` citing passage 1, or declines
    (``row`` None), showing sentence ``nearest`` as the nearest passage."""
    quotes = [_evidence(index, row)] if row is not None else []
    return Answer(None, quotes, passages, row is None, confidence, ranking.query, question, None,
                  len(index.documents), ranking.language,
                  _evidence(index, nearest) if row is None and nearest is not None else None)


def _evidence(index: Index, row: int) -> Evidence:
    """Sentence ``row`` as evidence citing passage 1."""
    doc_id, start, end = index.sentence(row)
    doc = index.document(doc_id)
    return Evidence(doc_id, start, end, 1, doc.text[start:end], doc.page(start))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding spaces, quotation marks and trailing commas, and within one
    side of a quotation's edge: a span that runs out of a quotation ("citizens,” Putin
    stressed") or into one keeps the quoted words, or the other side when the quoted side
    has none (",” Putin stressed")."""
    span = text[start:end]
    opening = [i for i, c in enumerate(span) if c in _OPENING]
    closing = [i for i, c in enumerate(span) if c in _CLOSING]
    if closing and (not opening or closing[0] < opening[0]):  # it began inside a quotation and ran out
        c = start + closing[0]
        start, end = (start, c) if _has_words(span[:closing[0]]) else (c + 1, end)
    elif opening and (not closing or opening[-1] > closing[-1]):  # it ran into a quotation it does not close
        o = start + opening[-1]
        start, end = (o + 1, end) if _has_words(span[opening[-1] + 1:]) else (start, o)
    while start < end and (text[start].isspace() or text[start] in _QUOTES):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:" or text[end - 1] in _QUOTES):
        end -= 1
    return start, end


def _has_words(text: str) -> bool:
    return any(c.isalnum() for c in text)


_QUOTES = "“”\"‘’«»"
_OPENING, _CLOSING = "“«", "”»"  # unambiguous ones only: ’ is also an apostrophe, " both


def _sentence_span(index: Index, passage: Passage, a: int, b: int) -> tuple[int, int]:
    """Document offsets of the sentences of ``passage`` that hold ``[a, b)``."""
    chunk = index.chunks[passage.chunk_id]
    start, end = a, b
    for row in range(chunk.first_sentence, chunk.last_sentence + 1):
        _, s, e = index.sentence(row)
        if s < b and a < e:
            start, end = min(start, s), max(end, e)
    return start, end


class Chatbot:
    """Answers questions from one index, quoting it.

    Args:
        index: the documents to answer from.
        settings: defaults to the index's settings (``k``, ``max_question_chars``).
        retriever: ranks the passages (default: ``Retriever()``, hybrid dense + BM25).
        answerer: reads them (default: ``ReaderAnswerer()``, the shipped reader).
    """

    def __init__(self, index: Index, *, settings: Settings | None = None, retriever: Retriever | None = None,
                 answerer: Answerer | None = None) -> None:
        self.index = index
        self.settings = settings or index.settings
        self.retriever = retriever or Retriever()
        self.answerer = answerer or _default_answerer()

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        """Answer ``question``; ``history`` is the conversation so far as
        ``{"role": "user" | "assistant", "content": str}`` messages.

        Raises:
            QuestionError: the question is empty, too long, or has no words.
        """
        return self.ask_with_ranking(question, history)[0]

    def ask_with_ranking(self, question: str, history: list[dict] | None = None) -> tuple[Answer, Ranking]:
        """``ask``, also returning the retriever's ranking (for evaluation)."""
        question = check_question(question, self.settings.max_question_chars)
        query = resolve_history(question, history)
        # The language is the question's as asked; a follow-up too short to tell ("Why?")
        # takes the one of the query it is searched with.
        language = detect_language(question, default=None) or detect_language(query)
        ranking = self.retriever.retrieve(self.index, query, language=language)
        passages = ranking.passages(self.index, self.settings.k)
        return self.answerer.answer(self.index, question, ranking, passages), ranking


_shared: ReaderAnswerer | None = None


def _default_answerer() -> ReaderAnswerer:
    """One default answerer per process (its reader loads its model once)."""
    global _shared
    if _shared is None:
        _shared = ReaderAnswerer()
    return _shared
