"""The read stage: the trained reader (``qa.models.reading``) reads the best passages and the
answer is its best span, verbatim, with the sentence that holds it quoted and cited; or, when no
span beats the reader's no-answer score by the threshold recorded with its weights, a statement
that the documents do not say, with the nearest passage. The reader reads English: a question
in another language, or over a passage in another, is answered by quoting the passage's
sentence nearest to it (``qa.pipeline.quoting``).

No language model writes anything: every word of an answer is the documents' own.
"""

from __future__ import annotations

import math
import re
from typing import Protocol

from qa.ingest.context import reading_context
from qa.ingest.text import QUOTES, opens_quotation, quotation_marks
from qa.models.reading import Reader, Span
from qa.pipeline.quoting import (
    QuoteRule,
    logistic,
    nearest_sentence,
    quotation_span,
    quote_nearest_sentence,
    sentence_evidence,
)
from qa.rendering import Answer
from qa.store.base import IndexView
from qa.types import ENGLISH, Evidence, Passage, Question


class Answerer(Protocol):
    """The answer stage: reads the passages retrieved for a question and answers, or declines."""

    def answer(self, index: IndexView, question: Question, passages: list[Passage]) -> Answer: ...


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

    def answer(self, index: IndexView, question: Question, passages: list[Passage]) -> Answer:
        """The answer to ``question`` from ``passages`` (best first), or a decline."""
        english = [index.document(p.doc_id).language == ENGLISH for p in passages]
        if question.language != ENGLISH or (passages and not english[0]):
            return quote_nearest_sentence(index, question, passages, self.quote_threshold)
        # Of the best passages, the English ones scored near enough to the best to win (the
        # reader's ``read_within``, chosen on held-out train: reading fewer is faster).
        floor = passages[0].score - self.reader.read_within if passages else -math.inf
        read = [n for n, p in enumerate(passages[:self.passages_read]) if english[n] and p.score >= floor]
        scored = self.read(question, passages, read)
        if not scored or scored[0][0] < self.threshold:
            score = scored[0][0] if scored else -math.inf
            nearest = sentence_evidence(index, nearest_sentence(index, question, passages[0])[0], passages[0]) \
                if passages else None
            return Answer(short_answer=None, quotes=[], passages=passages, abstained=True,
                          confidence=self.confidence(score), query=question.query, question=question.text,
                          documents=len(index.documents), language=question.language, nearest=nearest)
        score, number, best = scored[0]
        p = passages[number]
        start, end = answered_span(p.text, best.start, best.end)
        a, b = p.start + start, p.start + end
        quote = quotation_span(p, a, b)
        doc = index.document(p.doc_id)
        evidence = Evidence(p.doc_id, quote[0], quote[1], number + 1, doc.text[quote[0]:quote[1]], doc.page(quote[0]))
        return Answer(short_answer=doc.text[a:b] or None, quotes=[evidence], passages=passages, abstained=False,
                      confidence=self.confidence(score), query=question.query, question=question.text,
                      answer_span=(p.doc_id, a, b), documents=len(index.documents), language=question.language)

    def read(self, question: Question, passages: list[Passage], read: list[int]) -> list[tuple[float, int, Span]]:
        """The best span of each of ``passages[n]``, n in ``read`` (best first), that could win,
        with its score (the reader's margin plus ``retrieval_weight`` times the passage's
        retrieval score) and n, best score first.

        The best passage is read first; then only those whose retrieval score could still lift
        them past it were their span's margin the reader's ``margin_ceiling`` (chosen on held-out
        train at no loss of F1): a confident answer in the best passage reads one passage
        instead of five. With no ceiling all are read at once.
        """
        texts = [passages[n].text for n in read]
        asked = numbers_as_written(question.read, texts)  # as every passage writes them, whichever are read
        weight, ceiling = self.reader.retrieval_weight, self.reader.margin_ceiling
        scored: list[tuple[float, int, Span]] = []
        stages = (read,) if math.isinf(ceiling) else (read[:1], read[1:])
        for stage in stages:
            if scored and stage:
                stage = [n for n in stage if could_win(passages[n].score, scored[0][0], weight, ceiling)]
            if not stage:
                continue
            spans = self.reader.read(asked, [passages[n].text for n in stage], self.contexts(passages, stage),
                                     [passages[n].sentence_starts for n in stage])
            scored += [(s.margin + weight * passages[stage[s.passage]].score, stage[s.passage], s) for s in spans]
            scored.sort(key=lambda x: -x[0])
        return scored

    def contexts(self, passages: list[Passage], read: list[int]) -> list[str] | None:
        """What the reader reads before each passage it reads: as its weights were trained
        (``Reader.context``: who "the President" is, when only the headline names him)."""
        if not self.reader.leads:
            return None
        return [reading_context(passages[n].heading, passages[n].lead, passages[n].named, self.reader.context)
                for n in read]

    def confidence(self, score: float) -> float:
        """A logistic of the score over the reader's own open threshold: 0.5 where the
        shipped bot starts to answer (whatever ``threshold`` this answerer declines at)."""
        z = score - self.reader.threshold_open
        return 0.0 if z == -math.inf else logistic(z)


def could_win(retrieval_score: float, best: float, weight: float, ceiling: float) -> bool:
    """Whether a passage with ``retrieval_score`` could beat an answer scored ``best`` were its
    span's margin ``ceiling`` (a score is the margin plus ``weight`` times the retrieval score):
    ``ReaderAnswerer.read`` reads it only then, and ``choose_threshold`` chooses the ceiling so."""
    return ceiling + weight * retrieval_score > best


# A number of four digits or more, plain ("60000") or grouped by thousands ("60,000", "60 000"
# with a no-break or thin space), not part of a word, a range or a decimal ("A1000", "1990s",
# "2019-2020", "555-1234", "12,345.67").
_NUMBER = re.compile(r"(?<![\w.,\-])(?:\d{1,3}(?:[,\u00a0\u202f]\d{3})+|\d{4,})(?![\w\-]|[.,]\d)")


def numbers_as_written(question: str, texts: list[str]) -> str:
    """``question`` with each number of four digits or more written as the first of ``texts``
    that holds it writes it, unless one writes it as the question does: "putin on 60000
    orgs?" reads "60,000" where the passage says "60,000". The reader reads the two forms as
    different words (word pieces "600 ##00" and "60 , 000"), so a question typed without the
    separators read as if it named another number. A number from 1000 to 2099 is left as
    it is, grouped or not: it may be a year ("in 2000" is not "2,000 people")."""
    written: dict[str, list[str]] = {}
    for text in texts:
        for m in _NUMBER.finditer(text):
            forms = written.setdefault(_digits(m.group()), [])
            if m.group() not in forms:
                forms.append(m.group())

    def as_written(m: re.Match) -> str:
        digits = _digits(m.group())
        forms = written.get(digits, [])
        if not forms or m.group() in forms or 1000 <= int(digits) <= 2099:
            return m.group()
        return forms[0]

    return _NUMBER.sub(as_written, question) if written else question


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())


def answered_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The reader's span as the answer gives it: ``strip_quotes``'s, or the span as it is where
    that leaves nothing (only quotation marks and spaces)."""
    stripped = strip_quotes(text, start, end)
    return stripped if stripped[0] < stripped[1] else (start, end)


def strip_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding spaces, quotation marks and trailing commas, and within one
    side of a quotation's edge: a span that runs out of a quotation ("citizens,” Putin
    stressed") or into one ('the tram would "take 8,000 cars') keeps the quoted words, or the
    other side when the quoted side has none (",” Putin stressed"). A straight quotation mark
    opens or closes by what is around it (``qa.ingest.text.quotation_marks``)."""
    span = text[start:end]
    marks = quotation_marks(text, start, end)
    opening = [i - start for i in marks if opens_quotation(text, i)]
    closing = [i - start for i in marks if not opens_quotation(text, i)]
    if closing and (not opening or closing[0] < opening[0]):  # it began inside a quotation and ran out
        c = start + closing[0]
        start, end = (start, c) if _has_words(span[:closing[0]]) else (c + 1, end)
    elif opening and (not closing or opening[-1] > closing[-1]):  # it ran into a quotation it does not close
        o = start + opening[-1]
        start, end = (o + 1, end) if _has_words(span[opening[-1] + 1:]) else (start, o)
    while start < end and (text[start].isspace() or text[start] in QUOTES):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:" or text[end - 1] in QUOTES):
        end -= 1
    return start, end


def _has_words(text: str) -> bool:
    return any(c.isalnum() for c in text)
