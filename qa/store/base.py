"""The store interface: what the stages read of an index, whatever engine keeps it.

An index's store holds its documents, their sentences (a table of ``(document number, start,
end)`` rows) and chunks (runs of sentences, by chunk id), a vector per chunk in each vector
space it has (one per embedding model, named by the model) and per sentence in its own model's,
and BM25 over the chunks and over the sentences. Today's implementation is the index folder
(``qa.store.folder.FolderStore``: FAISS and bm25s files); another engine goes behind the same
methods. A store is read-only once opened: a rebuild makes a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.ingest.documents import Document
from qa.models.embedding import Embedder
from qa.settings import Settings
from qa.types import Chunk, Passage


@dataclass(frozen=True)
class Snapshot:
    """Everything an index holds, engine-free: what a build gives a store to write.

    Attributes:
        documents: in order; ``sentences`` refer to them by number.
        chunks: by chunk id (their position).
        sentences: ``(document number, start, end)`` rows, a document's contiguous.
        vectors: by vector space (model name, the index's own first): a vector per chunk and
            one per sentence (``None``: no sentence vectors kept in that space), L2-normalized.
        chunk_texts: each chunk's text as BM25 indexes it (its headings before it).
    """

    documents: list[Document]
    chunks: list[Chunk]
    sentences: np.ndarray
    vectors: dict[str, tuple[np.ndarray, np.ndarray | None]]
    chunk_texts: list[str]


@dataclass
class MultilingualProgress:
    """The multilingual vectors of an index while they are built: ``done`` of ``total``
    chunks embedded; ``error`` when the pass failed; ``finished`` once it ended either way."""

    total: int
    done: int = 0
    error: str | None = None
    finished: threading.Event = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.finished = self.finished or threading.Event()


class Store(Protocol):
    """Documents, sentences and chunks, searched densely (per vector space) and by BM25."""

    chunks: list[Chunk]
    sentences: np.ndarray  # (n, 3) int64: document number, start, end; a document's rows are contiguous

    @property
    def documents(self) -> list[Document]: ...

    def document(self, doc_id: str) -> Document: ...

    def sentence(self, row: int) -> tuple[str, int, int]:
        """``(doc_id, start, end)`` of sentence ``row``."""
        ...

    def passage(self, chunk_id: int, score: float | None = None) -> Passage:
        """Chunk ``chunk_id`` as a passage: its text and place, its sentences, its document's
        context (``Passage.lead``, ``Passage.named``)."""
        ...

    @property
    def spaces(self) -> tuple[str, ...]:
        """The vector spaces, by model name; the index's own model first."""
        ...

    def dense_search(self, space: str, vector: np.ndarray, k: int,
                     within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` chunks nearest to ``vector`` in ``space``: (cosines, chunk ids), best first;
        only among chunk ids ``within`` when given (``chunks_of``)."""
        ...

    def chunks_of(self, documents: Collection[str]) -> np.ndarray:
        """The ids of the chunks of ``documents`` (by document id)."""
        ...

    def chunk_vectors(self, space: str, ids: np.ndarray) -> np.ndarray: ...

    def has_sentence_vectors(self, space: str) -> bool:
        """Whether ``space`` keeps a vector per sentence (the multilingual space does not)."""
        ...

    def sentence_vectors(self, space: str, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of sentences ``rows`` in ``space``: in a space that keeps them
        (``has_sentence_vectors``); ``qa.Index.sentence_vectors`` embeds them where not."""
        ...

    def lexical_search(self, terms: list[str], k: int,
                       within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` chunks of best BM25 score for the query ``terms`` (``qa.store.lexical.tokenize``)
        that share a term with it: (scores, chunk ids), best first; only among ``within`` when given."""
        ...

    def chunk_scores(self, terms: list[str], ids: np.ndarray) -> np.ndarray:
        """The BM25 score of chunks ``ids`` for ``terms``, over all the chunks."""
        ...

    def has_terms(self, terms: list[str]) -> list[bool]:
        """Whether each of the BM25 ``terms`` occurs in some chunk."""
        ...

    def sentence_scores(self, terms: list[str], rows: np.ndarray) -> np.ndarray:
        """The BM25 score of sentences ``rows`` for ``terms``, over all the sentences."""
        ...

    def chunk_sentences(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The first and the last sentence row of each chunk (inclusive)."""
        ...

    def chunk_languages(self, ids: np.ndarray) -> np.ndarray:
        """The language of each chunk's document."""
        ...


class IndexView(Store, Protocol):
    """A store with what asks of it need besides: its settings, the vector space a question in
    a language is ranked in, and that space's embedder (``qa.Index`` is one)."""

    settings: Settings
    multilingual_progress: MultilingualProgress | None  # while its multilingual vectors are built

    @property
    def multilingual_state(self) -> str:
        """``"complete"``, ``"off"``, ``"building"``, ``"failed"`` or ``"missing"`` (``qa.Index``'s)."""
        ...

    def space_for(self, language: str) -> str:
        """The model name of the vector space that ranks a question in ``language``."""
        ...

    def question_embedder(self, space: str) -> Embedder:
        """The embedder of questions in ``space``."""
        ...
