"""The values that cross the stages: a chunk of a document, a passage retrieved, a question
analyzed, the evidence quoted and the answer. Frozen dataclasses; this module imports nothing
of the project, so every stage can use them and none reaches up for them.

Offsets are characters of the document's text: ``document.text[start:end] == text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

ENGLISH = "en"  # a language is its ISO 639-1 code (fastText's: "en", "ru", "de"; else longer)


@dataclass(frozen=True)
class Chunk:
    """A passage of one document: ``document.text[start:end] == text``.

    ``first_sentence`` and ``last_sentence`` index the index's sentence list (inclusive);
    ``section`` is the headings over it (``Document.section``): a chunk never spans two.
    """

    doc_id: str
    start: int
    end: int
    text: str
    first_sentence: int = 0
    last_sentence: int = 0
    section: tuple[str, ...] = ()


def citation(title: str, section: tuple[str, ...] = (), page: int | None = None, page_label: str = "") -> str:
    """"Title › Section › Subsection", with ", p. N" (or ``page_label``) when a page is named."""
    label = " › ".join([title, *section])
    return f"{label}, {page_label or f'p. {page}'}" if page else label


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: ``index.document(doc_id).text[start:end] == text``.

    Besides its text it carries what the reader needs of its document: its sentences
    (``sentences``: document offsets, in order; ``page`` and ``last_page``: the pages that hold
    its start and its end, paged documents only) and who it is about (``lead``: the
    document's first sentence when the passage comes after it; ``named``: the last sentence
    before the passage that names someone; see ``qa.ingest.context``).
    """

    text: str
    score: float | None  # the retriever's; None for a passage not retrieved (an overview's lead)
    doc_id: str
    title: str
    start: int
    end: int
    chunk_id: int = -1
    section: tuple[str, ...] = ()
    page: int | None = None
    sentences: tuple[tuple[int, int], ...] = ()
    last_page: int | None = None
    lead: str = ""
    named: str = ""

    @property
    def citation(self) -> str:
        """Where it is: "Warsaw › History", "report.pdf, p. 4" (the page it starts on)."""
        return citation(self.title, self.section, self.page)

    @property
    def sentence_starts(self) -> list[int] | None:
        """Where its sentences start in ``text`` (None: not known)."""
        return [start - self.start for start, _ in self.sentences] or None

    @property
    def heading(self) -> str:
        """Its document's title and section, without the page: "Warsaw › History"."""
        return citation(self.title, self.section)


@dataclass(frozen=True)
class Question:
    """A question analyzed once, as every stage after it reads it.

    Attributes:
        text: the question as asked (checked: stripped, not empty, not too long).
        query: what is searched: the question, or for a follow-up the question with the
            one it leans on (``qa.pipeline.conversation``).
        language: the question's (a follow-up too short to tell takes the one it leans on).
        terms: the query's BM25 terms in that language.
        vectors: the query's vector in each vector space it is searched in, by model name.
        space: the model name of the space it is ranked in (``vectors[space]``).
        read: what the reader reads: the question itself; for a follow-up with no words of its
            own, the previous question asked with its question word ("Why?" after "Who did
            Putin thank?": "Why did Putin thank?", ``qa.pipeline.conversation.reasked``), or else
            the query.
        spelled: the question with its misspelled words corrected (``qa.pipeline.spelling``),
            which the query and the reader read instead; "" when there were none.
    """

    text: str
    query: str
    language: str = ENGLISH
    terms: tuple[str, ...] = ()
    vectors: Mapping[str, np.ndarray] = field(default_factory=dict, compare=False)
    space: str = ""
    read: str = ""
    spelled: str = ""

    @property
    def vector(self) -> np.ndarray:
        """The query's vector in the space it is ranked in."""
        return self.vectors[self.space]


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
    """What the bot says, and what it rests on. (``qa.Answer`` adds its plain ``text``.)

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
        documents: how many documents the index holds (a decline says "The article does not say"
            of the bundled article, "The document ..." of one other, "The documents ..." of several).
        language: the question's (ISO 639-1); the bot's own words are in it where it has them
            (``qa.rendering``).
        nearest: when declining, the sentence of the best passage nearest to the question
            (shown as the nearest passage; not evidence).
        notice: a line on what the answer could not use (the multilingual vectors, still
            being built), in the question's language; shown beside the answer.
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
    notice: str | None = None

    @property
    def evidence(self) -> list[Evidence]:
        """The quoted spans (``quotes``), for highlighting."""
        return self.quotes
