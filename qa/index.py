"""A loaded index: its store, the embedders of its vector spaces, its settings, and ``search``.

``Index`` is what ``build_index``, ``load_index`` and ``open_index`` give and what a
``Chatbot`` answers from. It composes the store (``qa.store``: documents, sentences, chunks,
vectors, BM25) with the models that embed questions for it, and searches with the default
stages (``qa.pipeline``): it sits above them, so they never reach up for it.

An index answers as soon as its own model's vectors and BM25 are written; the multilingual
model's chunk vectors may come later (``qa.building``), and are swapped in whole: until then
``multilingual_state`` says so. The multilingual space keeps no sentence vectors: the sentences
a question needs are embedded when it needs them, once per index.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import fields
from pathlib import Path

import numpy as np

from qa.errors import IndexLoadError
from qa.ingest.documents import Document
from qa.models.embedding import Embedder, embedder_for
from qa.pipeline.question import analyze
from qa.pipeline.retrieval import Retriever
from qa.settings import RECORDED, AskSettings, BuildSettings, Settings
from qa.store import storage
from qa.store.base import MultilingualProgress
from qa.store.folder import FolderStore
from qa.store.vectors import VectorStore
from qa.types import ENGLISH, Chunk, Passage, Question


class Index:
    """A loaded index. Get one from ``build_index``, ``load_index`` or ``open_index``.

    One instance may serve many threads. What it holds never changes, except that the
    multilingual vectors, while being built, are swapped in whole once complete.

    Args:
        store: the documents, chunks, vectors and BM25.
        settings: what it was built with, and the question settings it answers with by default.
        embedder: embeds questions in the index's own space; defaults to the model it was
            built with (``settings.model``).
    """

    def __init__(self, store: FolderStore, settings: Settings, *, embedder: Embedder | None = None) -> None:
        self.store = store
        self.settings = settings
        # One embedder per vector space, made now (cheap: a model loads on its first question),
        # so an open index never changes.
        self._embedders: dict[str, Embedder] = {
            space: embedder_for(space, batch_size=settings.batch_size) for space in store.spaces}
        if embedder is not None:
            self._embedders[settings.model] = embedder
        self._some_english = any(d.language == ENGLISH for d in store.documents)
        self.multilingual_progress: MultilingualProgress | None = None  # set while a pass runs
        self._embedded: dict[str, dict[int, np.ndarray]] = {}  # sentence vectors embedded on demand, by space
        self._embedded_lock = threading.Lock()

    def attach(self, store: FolderStore) -> None:
        """Take ``store``, this index with more vector spaces (``qa.building``'s multilingual
        pass): the same documents, chunks and sentences, so a question in flight reads the
        same passages from either."""
        for space in store.spaces:
            self._embedders.setdefault(space, embedder_for(space, batch_size=self.settings.batch_size))
        self.store = store

    @property
    def multilingual_state(self) -> str:
        """``"complete"`` (or ``"off"``: built without, or its own model is multilingual),
        ``"building"`` (``multilingual_progress`` says how far), ``"failed"``, or
        ``"missing"`` (not being built in this process: ``qa build --finish`` builds them)."""
        second = self.settings.second_model
        if second is None:
            return "off"
        if second in self.store.spaces:
            return "complete"
        progress = self.multilingual_progress
        if progress is None:
            return "missing"
        if progress.error:
            return "failed"
        return "building"

    def wait_for_multilingual(self, timeout: float | None = None) -> bool:
        """Wait for a multilingual pass running in this process to end; whether the vectors
        are complete then."""
        progress = self.multilingual_progress
        if progress is not None and self.multilingual_state == "building":
            progress.finished.wait(timeout)
        return self.multilingual_state in ("complete", "off")

    # --- what it holds: the store's --------------------------------------------------------

    @property
    def directory(self) -> Path:
        return self.store.directory

    @property
    def manifest(self) -> dict:
        return self.store.manifest

    @property
    def summary(self) -> storage.Summary:
        """What it holds and how it was built (its manifest, typed)."""
        return storage.Summary.of(self.store.manifest)

    @property
    def documents(self) -> list[Document]:
        return self.store.documents

    def document(self, doc_id: str) -> Document:
        return self.store.document(doc_id)

    @property
    def chunks(self) -> list[Chunk]:
        return self.store.chunks

    @property
    def sentences(self) -> np.ndarray:
        return self.store.sentences

    def sentence(self, row: int) -> tuple[str, int, int]:
        return self.store.sentence(row)

    def sentence_text(self, row: int) -> str:
        return self.store.sentence_text(row)

    def passage(self, chunk_id: int, score: float | None = None) -> Passage:
        return self.store.passage(chunk_id, score)

    @property
    def spaces(self) -> tuple[str, ...]:
        return self.store.spaces

    def dense_search(self, space: str, vector: np.ndarray, k: int,
                     within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.store.dense_search(space, vector, k, within)

    def chunks_of(self, documents: Collection[str]) -> np.ndarray:
        return self.store.chunks_of(documents)

    def chunk_vectors(self, space: str, ids: np.ndarray) -> np.ndarray:
        return self.store.chunk_vectors(space, ids)

    def has_sentence_vectors(self, space: str) -> bool:
        return self.store.has_sentence_vectors(space)

    def sentence_vectors(self, space: str, rows: np.ndarray) -> np.ndarray:
        """The vectors of sentences ``rows`` in ``space``: stored, or (a space that keeps none)
        embedded now, each sentence once per index, on its own (as a format-4 build stored them)."""
        if self.store.has_sentence_vectors(space):
            return self.store.sentence_vectors(space, rows)
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        known = self._embedded.setdefault(space, {})
        todo = [r for r in dict.fromkeys(rows.tolist()) if r not in known]
        if todo:
            vectors = self._embedders[space].encode_documents([self.store.sentence_text(r) for r in todo],
                                                              progress=False).vectors
            with self._embedded_lock:
                known.update(zip(todo, vectors, strict=True))
        if not len(rows):
            return np.zeros((0, self._embedders[space].dimension), np.float32)
        return np.stack([known[r] for r in rows.tolist()])

    def lexical_search(self, terms: list[str], k: int,
                       within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.store.lexical_search(terms, k, within)

    def chunk_scores(self, terms: list[str], ids: np.ndarray) -> np.ndarray:
        return self.store.chunk_scores(terms, ids)

    def has_terms(self, terms: list[str]) -> list[bool]:
        return self.store.has_terms(terms)

    def sentence_scores(self, terms: list[str], rows: np.ndarray) -> np.ndarray:
        return self.store.sentence_scores(terms, rows)

    def chunk_sentences(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.store.chunk_sentences(ids)

    def chunk_languages(self, ids: np.ndarray) -> np.ndarray:
        return self.store.chunk_languages(ids)

    def stale_sources(self) -> list[str]:
        """Sources whose file (or the bundled article) changed since the build."""
        return self.store.stale_sources()

    @property
    def vectors(self) -> VectorStore:
        """The vectors of the index's own model."""
        return self.store.vectors(self.settings.model)

    @property
    def multilingual(self) -> VectorStore | None:
        """The multilingual model's vectors, when the index has them."""
        second = self.settings.second_model
        return self.store.vectors(second) if second in self.store.spaces else None

    # --- questions ---------------------------------------------------------------------------

    def space_for(self, language: str) -> str:
        """The vector space that ranks a question in ``language``: the index's own model for
        English (its own and the reader's language, and what the reader's threshold was chosen
        with), unless no document is in English; the multilingual model's for any other,
        when the index has it."""
        if (language == ENGLISH and self._some_english) or len(self.store.spaces) == 1:
            return self.settings.model
        return self.store.spaces[1]

    @property
    def embedder(self) -> Embedder:
        """The embedder of questions in the index's own space."""
        return self._embedders[self.settings.model]

    def question_embedder(self, space: str) -> Embedder:
        """The embedder of questions in ``space`` (one of ``spaces``)."""
        return self._embedders[space]

    def dense(self, language: str) -> tuple[VectorStore, Embedder]:
        """The vectors, and the embedder of questions, for a question in ``language``."""
        space = self.space_for(language)
        return self.store.vectors(space), self.question_embedder(space)

    def search(self, query: str | Question, k: int | None = None, *,
               documents: Collection[str] | None = None) -> list[Passage]:
        """The ``k`` passages that best match ``query``, best first (the default retriever's),
        from ``documents`` (ids) only when given. A text is analyzed first, its misspelled words
        corrected (``qa.pipeline.question.analyze``); pass the analyzed ``Question`` to see what
        was read (``Question.spelled``).

        Raises:
            QuestionError: the query is empty, too long, or has no words.
        """
        question = analyze(self, query) if isinstance(query, str) else query
        ranking = Retriever().retrieve(self, question, documents=documents)
        return ranking.passages(self, self.settings.k if k is None else k)

    def __len__(self) -> int:
        return len(self.store)

    def __repr__(self) -> str:
        return (f"Index({str(self.directory)!r}, documents={len(self.documents)}, "
                f"chunks={len(self.chunks)}, model={self.settings.model!r})")


def load_index(index_dir: str | Path = "index", *, settings: Settings | AskSettings | None = None,
               embedder: Embedder | None = None) -> Index:
    """Load the index saved in ``index_dir``.

    Args:
        settings: question settings to answer with (``AskSettings``), or ``Settings`` whose
            build settings must be the index's own; ``None``: the defaults, and the build
            settings the index was built with.
        embedder: embeds questions in the index's own space (default: its model's).

    Raises:
        IndexLoadError: the folder holds no index, or a damaged one, or one built with another
            model or other build settings than ``settings`` names, or another format. The
            message names the file and the fix.
    """
    index_dir = Path(index_dir)
    for attempt in range(3):
        manifest = storage.read_manifest(index_dir)
        try:
            if manifest.get("milvus"):
                from qa.store.milvus import MilvusStore

                store: FolderStore = MilvusStore.load(index_dir, manifest)
            else:
                store = FolderStore.load(index_dir, manifest)
            break
        except IndexLoadError:
            # A build (the multilingual pass, in another thread or process) swapped a new
            # snapshot in while this one was read, and removed the one read: read the new one.
            if attempt == 2 or storage.read_manifest(index_dir).get("data") == manifest.get("data"):
                raise
    return Index(store, settings_for(store.manifest, settings, index_dir), embedder=embedder)


def settings_for(manifest: dict, settings: Settings | AskSettings | None, index_dir: Path) -> Settings:
    """The index's settings: those it was built with (its manifest's), and the question
    settings of ``settings``. Build settings in ``settings`` that are not the index's are an
    error naming the rebuild command: they are never reported as the index's."""
    built = manifest["settings"]
    recorded = {"model": manifest["model"],
                **{f: built.get(f, getattr(BuildSettings, f)) for f in RECORDED if f != "model"}}
    if not isinstance(settings, Settings):  # None, or question settings alone
        ask = settings or AskSettings()
        return Settings(**recorded, **{f.name: getattr(ask, f.name) for f in fields(AskSettings)})
    if settings.model != manifest["model"]:
        raise IndexLoadError(
            f"{index_dir} was built with model {manifest['model']!r}, not {settings.model!r}: "
            f"rebuild it with `{storage.manifest_hint(index_dir, manifest, settings.model)}` "
            "or load it without naming a model"
        )
    other = {f: getattr(settings, f) for f in RECORDED if getattr(settings, f) != recorded[f]}
    if other:
        name, value = next(iter(other.items()))
        hint = storage.manifest_hint(index_dir, {**manifest, "settings": {**built, **other}})
        raise IndexLoadError(f"{index_dir} was built with {name}={recorded[name]!r}, not {value!r}: rebuild it "
                             f"with `{hint}`, or load it with question settings only (qa.AskSettings)")
    return settings
