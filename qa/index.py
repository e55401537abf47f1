"""A loaded index: the documents, their sentences and chunks, and the stores over them.

An index holds every document's text, its sentences and chunks as character spans, a
``VectorStore`` (a vector per chunk and per sentence, by id), a second one from the
multilingual model when the index has one (``Settings.multilingual``) and BM25 over chunks
and over sentences. It only stores and looks up; ``qa.pipeline.retrieval`` ranks, ``qa.building`` builds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import IndexLoadError
from qa.ingest.documents import BUNDLED_SOURCE, Document, bundled_document
from qa.ingest.text import Chunk
from qa.models.embedding import Embedder, embedder_for
from qa.models.language import ENGLISH
from qa.settings import MULTILINGUAL_MODEL, Settings
from qa.store import storage
from qa.store.lexical import LexicalIndex
from qa.store.vectors import VectorStore

CHUNKS = "chunks.jsonl"
DOCUMENTS = "documents.jsonl"
SENTENCES = "sentences.npy"
BM25_CHUNKS = "bm25-chunks"
BM25_SENTENCES = "bm25-sentences"
MULTILINGUAL = "multilingual"  # the second dense signal's vectors (``Settings.multilingual``)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: ``index.document(doc_id).text[start:end] == text``."""

    text: str
    score: float
    doc_id: str
    title: str
    start: int
    end: int
    chunk_id: int = -1
    section: tuple[str, ...] = ()
    page: int | None = None

    @property
    def citation(self) -> str:
        """Where it is: "Warsaw › History", "report.pdf, p. 4" (the page it starts on)."""
        return citation(self.title, self.section, self.page)

    @property
    def heading(self) -> str:
        """Its document's title and section, without the page: "Warsaw › History" (what a
        reader trained with leads reads before it)."""
        return citation(self.title, self.section)


def citation(title: str, section: tuple[str, ...] = (), page: int | None = None, page_label: str = "") -> str:
    """"Title › Section › Subsection", with ", p. N" (or ``page_label``) when a page is named."""
    label = " › ".join([title, *section])
    return f"{label}, {page_label or f'p. {page}'}" if page else label


class Index:
    """A loaded index. Get one from ``build_index``, ``load_index`` or ``open_index``.

    It is read-only once made, so one instance may serve many threads.

    Args:
        embedder: embeds questions for ``search``; defaults to the model the index was built
            with (``settings.model``).
    """

    def __init__(self, directory: Path, manifest: dict, documents: list[Document], chunks: list[Chunk],
                 sentences: np.ndarray, vectors: VectorStore, chunk_lexical: LexicalIndex,
                 sentence_lexical: LexicalIndex, settings: Settings, *, embedder: Embedder | None = None,
                 multilingual: VectorStore | None = None) -> None:
        self.directory = directory
        self.manifest = manifest
        self.settings = settings
        self.embedder = embedder or embedder_for(settings.model, batch_size=settings.batch_size)
        self._document_list = list(documents)  # in order: sentences refer to them by number
        self._documents = {d.id: d for d in documents}
        self.chunks = chunks
        self.sentences = sentences  # (n, 3) int64: document number, start, end
        self.vectors = vectors
        self.chunk_lexical = chunk_lexical
        self.sentence_lexical = sentence_lexical
        self.first_sentence = np.array([c.first_sentence for c in chunks], dtype=np.int64)
        self.last_sentence = np.array([c.last_sentence for c in chunks], dtype=np.int64)
        self.chunk_languages = np.array([self._documents[c.doc_id].language for c in chunks], dtype=object)
        self.multilingual = multilingual
        self._some_english = any(d.language == ENGLISH for d in documents)
        self._multilingual_embedder: Embedder | None = None

    def dense(self, language: str) -> tuple[VectorStore, Embedder]:
        """The vectors, and the embedder of questions, for a question in ``language``.

        The index's own model serves questions in English (its own and the reader's language,
        and what the reader's threshold was chosen with), unless no document is in English;
        any other question takes the multilingual model's, when the index has them.
        """
        if (language == ENGLISH and self._some_english) or self.multilingual is None:
            return self.vectors, self.embedder
        if self._multilingual_embedder is None:
            self._multilingual_embedder = embedder_for(MULTILINGUAL_MODEL, batch_size=self.settings.batch_size)
        return self.multilingual, self._multilingual_embedder

    def __len__(self) -> int:
        return len(self.chunks)

    def __repr__(self) -> str:
        return (f"Index({str(self.directory)!r}, documents={len(self._documents)}, "
                f"chunks={len(self.chunks)}, model={self.settings.model!r})")

    @property
    def documents(self) -> list[Document]:
        return list(self._document_list)

    def document(self, doc_id: str) -> Document:
        return self._documents[doc_id]

    def sentence(self, row: int) -> tuple[str, int, int]:
        """(doc_id, start, end) of sentence ``row``."""
        doc, start, end = (int(v) for v in self.sentences[row])
        return self._document_list[doc].id, start, end

    def sentence_text(self, row: int) -> str:
        doc_id, start, end = self.sentence(row)
        return self._documents[doc_id].text[start:end]

    def passage(self, chunk_id: int, score: float = 0.0) -> Passage:
        chunk = self.chunks[chunk_id]
        doc = self._documents[chunk.doc_id]
        return Passage(text=chunk.text, score=score, doc_id=chunk.doc_id, title=doc.title,
                       start=chunk.start, end=chunk.end, chunk_id=chunk_id, section=chunk.section,
                       page=doc.page(chunk.start))

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        """The ``k`` passages that best match ``query``, best first (the default retriever's).

        Raises:
            QuestionError: the query is empty, too long, or has no words.
        """
        from qa.pipeline.retrieval import Retriever

        return Retriever().retrieve(self, query).passages(self, self.settings.k if k is None else k)

    def stale_sources(self) -> list[str]:
        """Sources whose file (or the bundled article) changed since the build."""
        stale = []
        for row in self.manifest["sources"]:
            source = row.get("source")
            if source == BUNDLED_SOURCE:
                if bundled_document().sha256 != row["sha256"]:
                    stale.append(source)
            elif (source and row.get("file_sha256") and Path(source).is_file()
                  and storage.sha256_file(Path(source)) != row["file_sha256"]):
                stale.append(source)
        return stale


def load_index(index_dir: str | Path = "index", *, settings: Settings | None = None,
               embedder: Embedder | None = None) -> Index:
    """Load the index saved in ``index_dir``.

    ``settings`` default to the ones the index was built with; naming another model than
    the one it was built with is an error.

    Raises:
        IndexLoadError: the folder holds no index, or a damaged one, or one built with another
            model or dimension or another format. The message names the file and the fix.
    """
    index_dir = Path(index_dir)
    manifest = storage.read_manifest(index_dir)
    hint = storage.manifest_hint(index_dir, manifest)
    settings = _settings_for(manifest, settings, index_dir)
    data = storage.data_folder(index_dir, manifest)
    try:
        documents = [Document(id=r["id"], text=r["text"], title=r["title"], source=r.get("source"),
                              headings=r["headings"], pages=r["pages"], language=r["language"])
                     for r in storage.read_jsonl(data / DOCUMENTS)]
        chunks = [Chunk(r["doc_id"], r["start"], r["end"], r["text"], *r["sentences"], tuple(r["section"]))
                  for r in storage.read_jsonl(data / CHUNKS)]
        sentences = np.load(data / SENTENCES, allow_pickle=False)
        vectors = VectorStore.load(data)
        multilingual = VectorStore.load(data / MULTILINGUAL) if manifest["multilingual"] else None
        chunk_lexical = LexicalIndex.load(data / BM25_CHUNKS)
        sentence_lexical = LexicalIndex.load(data / BM25_SENTENCES)
    except (ValueError, KeyError, TypeError, OSError) as e:
        raise IndexLoadError(f"the index in {data} cannot be read ({e}): rebuild it with `{hint}`") from e
    counts = manifest.get("counts", {})
    if (len(chunks) != len(vectors) or len(sentences) != vectors.sentence_count
            or counts.get("chunks") != len(chunks) or vectors.dimension != manifest["dimension"]
            or (multilingual is not None and (len(multilingual) != len(chunks)
                                              or multilingual.sentence_count != len(sentences)))):
        raise IndexLoadError(f"the files in {data} do not match {index_dir / storage.MANIFEST}: "
                             f"rebuild the index with `{hint}`")
    return Index(index_dir, manifest, documents, chunks, sentences, vectors, chunk_lexical, sentence_lexical,
                 settings, embedder=embedder, multilingual=multilingual)


def _settings_for(manifest: dict, settings: Settings | None, index_dir: Path) -> Settings:
    built = manifest["settings"]
    if settings is None:
        return Settings(model=manifest["model"], chunk_size=built["chunk_size"],
                        chunk_overlap=built["chunk_overlap"], headings_in_chunks=built["headings_in_chunks"],
                        multilingual=bool(manifest["multilingual"]))
    if settings.model != manifest["model"]:
        raise IndexLoadError(
            f"{index_dir} was built with model {manifest['model']!r}, not {settings.model!r}: "
            f"rebuild it with `{storage.manifest_hint(index_dir, manifest, settings.model)}` "
            "or load it without naming a model"
        )
    return settings
