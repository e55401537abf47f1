"""Building, loading and searching an index of documents.

An index holds every document's text, its sentences and chunks as character spans, one
embedding per chunk (FAISS) and per sentence (numpy), and BM25 over chunks and sentences.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from qa import storage
from qa.documents import BUNDLED_SOURCE, Document, bundled_document, load_documents, read_file
from qa.embedding import Embedder
from qa.errors import IndexLoadError
from qa.lexical import LexicalIndex, tokenize
from qa.retrieval import fuse, segment_max
from qa.settings import Settings
from qa.text import Chunk, check_question, chunk_spans, split_sentences
from qa.vectors import VectorIndex

log = logging.getLogger("qa")

_VECTORS = "vectors.faiss"
_CHUNKS = "chunks.jsonl"
_DOCUMENTS = "documents.jsonl"
_SENTENCES = "sentences.npy"
_SENTENCE_VECTORS = "sentence_vectors.npy"
_BM25_CHUNKS = "bm25-chunks"
_BM25_SENTENCES = "bm25-sentences"


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


@dataclass(frozen=True)
class Ranking:
    """Everything one search computed, kept for the answer stage.

    ``chunks`` and ``scores`` are the candidates best first; ``sentence_ids`` are the
    candidates' sentences with their cosine (``sentence_dense``) and raw BM25
    (``sentence_lexical``) scores.
    """

    question: str
    terms: list[str]
    vector: np.ndarray
    chunks: np.ndarray
    scores: np.ndarray
    sentence_ids: np.ndarray
    sentence_dense: np.ndarray
    sentence_lexical: np.ndarray


class Index:
    """A loaded index. Get one from ``build_index``, ``load_index`` or ``open_index``.

    It is read-only once made, so one instance may serve many threads.
    """

    def __init__(self, directory: Path, manifest: dict, documents: list[Document],
                 chunks: list[Chunk], sentences: np.ndarray, sentence_vectors: np.ndarray,
                 vectors: VectorIndex, chunk_lexical: LexicalIndex,
                 sentence_lexical: LexicalIndex, settings: Settings) -> None:
        self.directory = directory
        self.manifest = manifest
        self.settings = settings
        self.embedder = Embedder(settings.model, batch_size=settings.batch_size)
        self._document_list = list(documents)  # in order: sentences refer to them by number
        self._documents = {d.id: d for d in documents}
        self.chunks = chunks
        self.sentences = sentences  # (n, 3) int64: document number, start, end
        self.sentence_vectors = sentence_vectors
        self._vectors = vectors
        self._chunk_lexical = chunk_lexical
        self._sentence_lexical = sentence_lexical
        self._first = np.array([c.first_sentence for c in chunks], dtype=np.int64)
        self._last = np.array([c.last_sentence for c in chunks], dtype=np.int64)

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

    def idf(self, terms: list[str]) -> list[float]:
        """How rare each BM25 term is across sentences (unknown terms are the rarest)."""
        return self._sentence_lexical.idf(terms)

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        """The ``k`` passages that best match ``query``, best first.

        Raises:
            QuestionError: the query is empty, too long, or has no words.
        """
        k = self.settings.k if k is None else k
        if k <= 0:
            raise ValueError(f"k must be greater than 0. Currently, k is {k}")
        ranking = self.rank(query)
        return [self.passage(int(c), float(s)) for c, s in
                zip(ranking.chunks[:k], ranking.scores[:k], strict=True)]

    def passage(self, row: int, score: float) -> Passage:
        chunk = self.chunks[row]
        doc = self._documents[chunk.doc_id]
        return Passage(text=chunk.text, score=score, doc_id=chunk.doc_id, title=doc.title,
                       start=chunk.start, end=chunk.end, chunk_id=row)

    def rank(self, query: str, *, candidates: int | None = None) -> Ranking:
        """Score candidate chunks (dense top-n and BM25 top-n) by the fused signals."""
        query = check_question(query, self.settings.max_question_chars)
        terms = tokenize(query)
        vector = self.embedder.encode_query(query)
        n = candidates or self.settings.candidates
        _, dense_ids = self._vectors.search(vector, n)
        lexical = self._chunk_lexical.scores(terms)
        lexical_ids = np.argsort(-lexical)[:n]
        lexical_ids = lexical_ids[lexical[lexical_ids] > 0]
        cand = np.unique(np.concatenate([dense_ids, lexical_ids]).astype(np.int64))
        dense = self._vectors.get(cand) @ vector
        first, last = self._first[cand], self._last[cand] + 1
        sentence_ids = np.concatenate([np.arange(a, b) for a, b in zip(first, last, strict=True)])
        sentence_dense = self.sentence_vectors[sentence_ids] @ vector
        sentence_lexical = self._sentence_lexical.scores(terms)[sentence_ids]
        # Each candidate's sentences are a contiguous run of sentence_ids.
        ends = np.cumsum(last - first)
        starts = ends - (last - first)
        fused = fuse(dense, lexical[cand], segment_max(sentence_dense, starts, ends),
                     segment_max(sentence_lexical, starts, ends))
        order = np.argsort(-fused, kind="stable")
        return Ranking(question=query, terms=terms, vector=vector, chunks=cand[order],
                       scores=fused[order].astype(np.float32), sentence_ids=sentence_ids,
                       sentence_dense=sentence_dense, sentence_lexical=sentence_lexical)

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


def build_index(sources: Iterable[str | Path | Document] | str | Path | Document | None = None,
                index_dir: str | Path = "index", *, settings: Settings | None = None,
                progress: bool | None = None) -> Index:
    """Read ``sources``, embed them and save the index in ``index_dir``.

    Args:
        sources: paths (files or folders of .txt, .md, .html, .pdf) and/or ``Document``s;
            ``None`` means the bundled article.
        index_dir: the folder to write; the index in it is replaced only once the new one
            is complete.
        settings: model, chunking and limits; defaults to ``Settings()``.
        progress: show a progress bar while embedding: ``None`` when there are many texts,
            ``True`` always, ``False`` never.

    Raises:
        SourceError: a source cannot be read. The existing index is left as it was.
        IndexBusyError: another build is writing the same folder.
        ModelError: the embedding model cannot be loaded.
    """
    settings = settings or Settings()
    docs = load_documents(sources, max_file_bytes=settings.max_file_bytes)
    return _build(docs, Path(index_dir), settings, progress)


def load_index(index_dir: str | Path = "index", *, settings: Settings | None = None) -> Index:
    """Load the index saved in ``index_dir``.

    ``settings`` default to the ones the index was built with; naming another model than
    the one it was built with is an error.

    Raises:
        IndexLoadError: the folder holds no index, or a damaged one, or one built with another
            model or dimension or a newer format. The message names the file and the fix.
    """
    index_dir = Path(index_dir)
    manifest = storage.read_manifest(index_dir)
    hint = storage.rebuild_hint(index_dir, storage.manifest_sources(manifest))
    settings = _settings_for(manifest, settings, index_dir)
    data = storage.data_folder(index_dir, manifest)
    try:
        documents = [Document(id=r["id"], text=r["text"], title=r["title"], source=r.get("source"))
                     for r in storage.read_jsonl(data / _DOCUMENTS)]
        chunks = [Chunk(r["doc_id"], r["start"], r["end"], r["text"], *r["sentences"])
                  for r in storage.read_jsonl(data / _CHUNKS)]
        sentences = np.load(data / _SENTENCES, allow_pickle=False)
        sentence_vectors = np.load(data / _SENTENCE_VECTORS, allow_pickle=False)
        vectors = VectorIndex.load(data / _VECTORS)
        chunk_lexical = LexicalIndex.load(data / _BM25_CHUNKS)
        sentence_lexical = LexicalIndex.load(data / _BM25_SENTENCES)
    except (ValueError, KeyError, TypeError, OSError) as e:
        raise IndexLoadError(f"the index in {data} cannot be read ({e}): rebuild it with `{hint}`") from e
    counts = manifest.get("counts", {})
    if (len(chunks) != len(vectors) or len(sentences) != len(sentence_vectors)
            or counts.get("chunks") != len(chunks) or vectors.dimension != manifest["dimension"]):
        raise IndexLoadError(f"the files in {data} do not match {index_dir / storage.MANIFEST}: "
                             f"rebuild the index with `{hint}`")
    return Index(index_dir, manifest, documents, chunks, sentences, sentence_vectors, vectors,
                 chunk_lexical, sentence_lexical, settings)


def open_index(index_dir: str | Path = "index", *, settings: Settings | None = None,
               progress: bool | None = None) -> Index:
    """Load the index in ``index_dir``, building or refreshing it first when needed.

    With no index there yet, the bundled article is indexed; a damaged index of the bundled
    article alone is rebuilt (nothing can be lost). When a source file (or the bundled
    article) changed since the build, the index is rebuilt from its sources; unchanged text
    is not embedded again.

    Raises:
        IndexLoadError: an index of other documents is damaged (the message says how to
            rebuild it); it is never overwritten without being asked.
    """
    index_dir = Path(index_dir)
    if not (index_dir / storage.MANIFEST).exists():
        log.info("no index in %s yet: indexing the bundled article", index_dir)
        return build_index(None, index_dir, settings=settings, progress=progress)
    try:
        index = load_index(index_dir, settings=settings)
    except IndexLoadError as e:
        if not _bundled_only(index_dir):
            raise
        log.warning("%s; rebuilding it from the bundled article", e)
        return build_index(None, index_dir, settings=settings, progress=progress)
    stale = index.stale_sources()
    if not stale:
        return index
    log.info("sources changed since the index was built (%s): rebuilding %s", ", ".join(stale), index_dir)
    docs = []
    for doc in index.documents:
        if doc.source == BUNDLED_SOURCE:
            docs.append(bundled_document())
        elif doc.source in stale:
            docs.append(read_file(doc.source, max_file_bytes=index.settings.max_file_bytes, doc_id=doc.id))
        else:
            docs.append(doc)
    return _build(docs, index_dir, index.settings, progress)


def _bundled_only(index_dir: Path) -> bool:
    """Whether the index's (readable) manifest lists only the bundled article."""
    try:
        sources = storage.manifest_sources(storage.read_manifest(index_dir))
    except IndexLoadError:
        return False
    return sources == [BUNDLED_SOURCE]


def _settings_for(manifest: dict, settings: Settings | None, index_dir: Path) -> Settings:
    built = manifest["settings"]
    if settings is None:
        return Settings(model=manifest["model"], chunk_size=built["chunk_size"],
                        chunk_overlap=built["chunk_overlap"])
    if settings.model != manifest["model"]:
        raise IndexLoadError(
            f"{index_dir} was built with model {manifest['model']!r}, not {settings.model!r}: "
            f"rebuild it with `{storage.rebuild_hint(index_dir, storage.manifest_sources(manifest))} "
            f"--model {settings.model}` "
            "or load it without naming a model"
        )
    return settings


def _build(docs: list[Document], index_dir: Path, settings: Settings,
           progress: bool | None) -> Index:
    started = time.perf_counter()
    embedder = Embedder(settings.model, batch_size=settings.batch_size)
    with storage.build_lock(index_dir):
        sentence_rows: list[tuple[int, int, int]] = []
        chunks: list[Chunk] = []
        for number, doc in enumerate(docs):
            spans = split_sentences(doc.text, settings.chunk_size)
            base = len(sentence_rows)
            sentence_rows.extend((number, a, b) for a, b in spans)
            for first, last in chunk_spans(spans, settings.chunk_size, settings.chunk_overlap):
                start, end = spans[first][0], spans[last][1]
                chunks.append(Chunk(doc.id, start, end, doc.text[start:end], base + first, base + last))
        sentences = np.array(sentence_rows, dtype=np.int64).reshape(-1, 3)
        sentence_texts = [docs[d].text[a:b] for d, a, b in sentence_rows]
        chunk_texts = [c.text for c in chunks]

        vectors_by_text = _embed(embedder, chunk_texts + sentence_texts,
                                 _reusable_vectors(index_dir, settings.model), progress)
        chunk_vectors = np.stack([vectors_by_text[t] for t in chunk_texts])
        sentence_vectors = np.stack([vectors_by_text[t] for t in sentence_texts])
        vectors = VectorIndex.build(chunk_vectors, approximate_above=settings.approximate_above)
        chunk_lexical = LexicalIndex.build(chunk_texts)
        sentence_lexical = LexicalIndex.build(sentence_texts)

        manifest = _manifest(docs, chunks, sentences, vectors, settings,
                             time.perf_counter() - started)
        building = storage.new_build_folder(index_dir)
        try:
            storage.write_jsonl(building / _DOCUMENTS, [
                {"id": d.id, "title": d.title, "source": d.source, "sha256": d.sha256, "text": d.text}
                for d in docs])
            storage.write_jsonl(building / _CHUNKS, [
                {"doc_id": c.doc_id, "start": c.start, "end": c.end,
                 "sentences": [c.first_sentence, c.last_sentence], "text": c.text} for c in chunks])
            np.save(building / _SENTENCES, sentences, allow_pickle=False)
            np.save(building / _SENTENCE_VECTORS, sentence_vectors, allow_pickle=False)
            vectors.save(building / _VECTORS)
            chunk_lexical.save(building / _BM25_CHUNKS)
            sentence_lexical.save(building / _BM25_SENTENCES)
            storage.commit(index_dir, building, manifest)
        except BaseException:
            storage.discard(building)
            raise
    manifest = storage.read_manifest(index_dir)
    return Index(index_dir, manifest, docs, chunks, sentences, sentence_vectors, vectors,
                 chunk_lexical, sentence_lexical, settings)


def _embed(embedder: Embedder, texts: list[str], known: dict[str, np.ndarray],
           progress: bool | None) -> dict[str, np.ndarray]:
    """Vectors for every distinct text, embedding only those not already ``known``."""
    todo = list(dict.fromkeys(t for t in texts if t not in known))
    if len(known):
        log.info("reusing %d embeddings; embedding %d new texts", len(set(texts)) - len(todo), len(todo))
    fresh = embedder.encode(todo, progress=progress)
    return {**known, **dict(zip(todo, fresh, strict=True))}


def _reusable_vectors(index_dir: Path, model: str) -> dict[str, np.ndarray]:
    """The current index's vectors by text, when it was built with the same model."""
    try:
        current = load_index(index_dir)
    except IndexLoadError:
        return {}
    if current.settings.model != model:
        return {}
    known = dict(zip((c.text for c in current.chunks), current._vectors.vectors(), strict=True))
    for row, vector in enumerate(current.sentence_vectors):
        known[current.sentence_text(row)] = vector
    return known


def _manifest(docs: list[Document], chunks: list[Chunk], sentences: np.ndarray,
              vectors: VectorIndex, settings: Settings, seconds: float) -> dict:
    per_doc: dict[str, int] = {}
    for c in chunks:
        per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
    sources = []
    for d in docs:
        row = {"id": d.id, "title": d.title, "source": d.source, "sha256": d.sha256,
               "chars": len(d.text), "chunks": per_doc.get(d.id, 0)}
        if d.source and d.source != BUNDLED_SOURCE and Path(d.source).is_file():
            row["file_sha256"] = storage.sha256_file(Path(d.source))
        sources.append(row)
    try:
        package_version = version("articleqa")
    except PackageNotFoundError:
        package_version = "unknown"
    return {
        "format_version": storage.FORMAT_VERSION,
        "package_version": package_version,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": settings.model,
        "dimension": vectors.dimension,
        "vector_index": vectors.kind,
        "settings": {f: getattr(settings, f) for f in ("chunk_size", "chunk_overlap", "approximate_above")},
        "counts": {"documents": len(docs), "chunks": len(chunks), "sentences": len(sentences)},
        "build_seconds": round(seconds, 3),
        "sources": sources,
    }

