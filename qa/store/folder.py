"""The index folder as a store (``qa.store.base.Store``): FAISS and bm25s files, read-only.

A folder holds every document's text, its sentences and chunks as character spans, a
``VectorStore`` per vector space (by id: a vector per chunk and per sentence in the index's own
model's; a vector per chunk in the multilingual model's, once built, see ``qa.building``) and BM25
over chunks and over sentences (``qa.store.storage`` has the layout). It only stores and looks
up; ``qa.pipeline.retrieval`` ranks, ``qa.building`` builds.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np

from qa.errors import IndexLoadError
from qa.ingest.context import around
from qa.ingest.documents import BUNDLED_SOURCE, Document, bundled_document
from qa.store import storage
from qa.store.base import Snapshot
from qa.store.lexical import LexicalIndex
from qa.store.vectors import VectorStore
from qa.types import Chunk, Passage

CHUNKS = "chunks.jsonl"
DOCUMENTS = "documents.jsonl"
SENTENCES = "sentences.npy"
BM25_CHUNKS = "bm25-chunks"
BM25_SENTENCES = "bm25-sentences"
MULTILINGUAL = "multilingual"  # the second vector space's files
_CONTEXT_SENTENCES = 10  # of the sentences before a passage, how many may name whom it is about


class FolderStore:
    """An index folder's contents. Get one from ``FolderStore.load`` (or a build).

    Read-only once made, so one instance may serve many threads.

    Args:
        spaces: the ``VectorStore`` of each vector space, by model name, the index's own first.
    """

    def __init__(self, directory: Path, manifest: dict, documents: list[Document], chunks: list[Chunk],
                 sentences: np.ndarray, spaces: dict[str, VectorStore], chunk_lexical: LexicalIndex,
                 sentence_lexical: LexicalIndex) -> None:
        self.directory = directory
        self.manifest = manifest
        self._document_list = list(documents)  # in order: sentences refer to them by number
        self._documents = {d.id: d for d in documents}
        self.chunks = chunks
        self.sentences = sentences  # (n, 3) int64: document number, start, end
        self._spaces = dict(spaces)
        self.chunk_lexical = chunk_lexical
        self.sentence_lexical = sentence_lexical
        self.first_sentence = np.array([c.first_sentence for c in chunks], dtype=np.int64)
        self.last_sentence = np.array([c.last_sentence for c in chunks], dtype=np.int64)
        self._chunk_languages = np.array([self._documents[c.doc_id].language for c in chunks], dtype=object)

    def __len__(self) -> int:
        return len(self.chunks)

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

    def passage(self, chunk_id: int, score: float | None = None) -> Passage:
        chunk = self.chunks[chunk_id]
        doc = self._documents[chunk.doc_id]
        rows = range(chunk.first_sentence, chunk.last_sentence + 1)
        lead, named = self._context(chunk)
        return Passage(text=chunk.text, score=score, doc_id=chunk.doc_id, title=doc.title, start=chunk.start,
                       end=chunk.end, chunk_id=chunk_id, section=chunk.section, page=doc.page(chunk.start),
                       sentences=tuple((int(self.sentences[r, 1]), int(self.sentences[r, 2])) for r in rows),
                       lead=lead, named=named, last_page=doc.page(max(chunk.start, chunk.end - 1)))

    def _context(self, chunk: Chunk) -> tuple[str, str]:
        """``qa.ingest.context.around`` for ``chunk``: its document's first sentence, and of the
        ten sentences before it the last that names someone."""
        numbers = self.sentences[:, 0]
        first = int(np.searchsorted(numbers, numbers[chunk.first_sentence], side="left"))
        rows = [first, *range(max(first + 1, chunk.first_sentence - _CONTEXT_SENTENCES), chunk.first_sentence)]
        spans = [(int(self.sentences[r, 1]), int(self.sentences[r, 2])) for r in rows]
        return around(self._documents[chunk.doc_id].text, spans, chunk.start)

    @property
    def spaces(self) -> tuple[str, ...]:
        return tuple(self._spaces)

    def vectors(self, space: str) -> VectorStore:
        """The vectors of ``space`` (a model name of ``spaces``)."""
        return self._spaces[space]

    def dense_search(self, space: str, vector: np.ndarray, k: int,
                     within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        if within is None:
            return self._spaces[space].search(vector, k)
        # Within some documents: exact, over their chunks' vectors.
        scores = self._spaces[space].chunk_vectors(within) @ vector
        best = np.argsort(-scores, kind="stable")[:k]
        return scores[best], np.asarray(within)[best]

    def chunks_of(self, documents: Collection[str]) -> np.ndarray:
        wanted = set(documents)
        return np.array([n for n, c in enumerate(self.chunks) if c.doc_id in wanted], dtype=np.int64)

    def chunk_vectors(self, space: str, ids: np.ndarray) -> np.ndarray:
        return self._spaces[space].chunk_vectors(ids)

    def has_sentence_vectors(self, space: str) -> bool:
        return self._spaces[space].has_sentences

    def sentence_vectors(self, space: str, rows: np.ndarray) -> np.ndarray:
        return self._spaces[space].sentence_vectors(rows)

    def lexical_search(self, terms: list[str], k: int,
                       within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        scores = self.chunk_lexical.scores(terms)
        if within is not None:
            scores = np.where(np.isin(np.arange(len(scores)), within), scores, 0.0)
        ids = np.argsort(-scores)[:k]
        ids = ids[scores[ids] > 0]
        return scores[ids], ids

    def chunk_scores(self, terms: list[str], ids: np.ndarray) -> np.ndarray:
        return self.chunk_lexical.scores(terms)[ids]

    def has_terms(self, terms: list[str]) -> list[bool]:
        return [self.chunk_lexical.has(t) for t in terms]

    def sentence_scores(self, terms: list[str], rows: np.ndarray) -> np.ndarray:
        return self.sentence_lexical.scores(terms)[rows]

    def chunk_sentences(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.first_sentence[ids], self.last_sentence[ids]

    def chunk_languages(self, ids: np.ndarray) -> np.ndarray:
        return self._chunk_languages[ids]

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

    @classmethod
    def write(cls, index_dir: Path, snapshot: Snapshot, manifest: dict, *, approximate_above: int) -> FolderStore:
        """Write ``snapshot`` into ``index_dir`` beside its current data and swap the manifest in
        (``storage.commit``): a crash at any point leaves the previous index whole.

        ``manifest``: what the build says of itself; the vectors' dimensions and index kind are
        added here. HNSW above ``approximate_above`` chunks, exact below.
        """
        docs, chunks, sentences = snapshot.documents, snapshot.chunks, snapshot.sentences
        ids = np.arange(len(chunks))
        spaces = {space: VectorStore.build(ids, chunk_vectors, sentence_vectors, approximate_above=approximate_above)
                  for space, (chunk_vectors, sentence_vectors) in snapshot.vectors.items()}
        language = {d.id: d.language for d in docs}
        chunk_lexical = LexicalIndex.build(snapshot.chunk_texts, [language[c.doc_id] for c in chunks])
        sentence_lexical = LexicalIndex.build([docs[d].text[a:b] for d, a, b in sentences],
                                              [docs[d].language for d, _, _ in sentences])
        own, *second = spaces.items()
        manifest = {**manifest, "dimension": own[1].dimension, "vector_index": own[1].kind,
                    "multilingual": {"model": second[0][0], "dimension": second[0][1].dimension} if second else None}
        building = storage.new_build_folder(index_dir)
        try:
            cls.write_text_files(building, snapshot)
            own[1].save(building)
            if second:
                (building / MULTILINGUAL).mkdir()
                second[0][1].save(building / MULTILINGUAL)
            chunk_lexical.save(building / BM25_CHUNKS)
            sentence_lexical.save(building / BM25_SENTENCES)
            manifest = storage.commit(index_dir, building, manifest)
        except BaseException:
            storage.discard(building)
            raise
        return cls(index_dir, manifest, docs, chunks, sentences, spaces, chunk_lexical, sentence_lexical)

    def with_space(self, space: str, chunk_vectors: np.ndarray, *, approximate_above: int) -> FolderStore:
        """This index with a second vector space (chunk vectors only) added: its files linked
        into a new data folder beside ``multilingual/``, swapped in (``storage.extend``). The
        caller holds the build lock and has checked that this is still the folder's index."""
        vectors = VectorStore.build(np.arange(len(self.chunks)), chunk_vectors, None,
                                    approximate_above=approximate_above)

        def add(building: Path) -> dict:
            (building / MULTILINGUAL).mkdir()
            vectors.save(building / MULTILINGUAL)
            return {"multilingual": {"model": space, "dimension": vectors.dimension}}

        manifest = storage.extend(self.directory, self.manifest, add)
        return FolderStore(self.directory, manifest, self._document_list, self.chunks, self.sentences,
                           {**self._spaces, space: vectors}, self.chunk_lexical, self.sentence_lexical)

    @staticmethod
    def write_text_files(building: Path, snapshot: Snapshot) -> None:
        """The documents, chunks and sentence table of ``snapshot`` into the folder ``building``."""
        storage.write_jsonl(building / DOCUMENTS, [
            {"id": d.id, "title": d.title, "source": d.source, "sha256": d.sha256, "text": d.text,
             "headings": d.headings, "pages": d.pages, "language": d.language} for d in snapshot.documents])
        storage.write_jsonl(building / CHUNKS, [
            {"doc_id": c.doc_id, "start": c.start, "end": c.end,
             "sentences": [c.first_sentence, c.last_sentence], "text": c.text, "section": c.section}
            for c in snapshot.chunks])
        np.save(building / SENTENCES, snapshot.sentences, allow_pickle=False)

    @staticmethod
    def read_text_files(index_dir: Path, manifest: dict, data: Path) -> tuple[list[Document], list[Chunk], np.ndarray]:
        """``write_text_files``' documents, chunks and sentence table from the data folder ``data``."""
        try:
            documents = [Document(id=r["id"], text=r["text"], title=r["title"], source=r.get("source"),
                                  headings=r["headings"], pages=r["pages"], language=r["language"])
                         for r in storage.read_jsonl(data / DOCUMENTS)]
            chunks = [Chunk(r["doc_id"], r["start"], r["end"], r["text"], *r["sentences"], tuple(r["section"]))
                      for r in storage.read_jsonl(data / CHUNKS)]
            sentences = np.load(data / SENTENCES, allow_pickle=False)
        except (ValueError, KeyError, TypeError, OSError) as e:
            raise IndexLoadError(f"the index in {data} cannot be read ({e}): rebuild it with "
                                 f"`{storage.manifest_hint(index_dir, manifest)}`") from e
        return documents, chunks, sentences

    @classmethod
    def load(cls, index_dir: Path, manifest: dict | None = None) -> FolderStore:
        """The store saved in ``index_dir`` (``manifest``: its manifest, already read).

        Raises:
            IndexLoadError: the folder holds no index, or a damaged one, or one of another
                format. The message names the file and the fix.
        """
        manifest = manifest or storage.read_manifest(index_dir)
        hint = storage.manifest_hint(index_dir, manifest)
        data = storage.data_folder(index_dir, manifest)
        documents, chunks, sentences = cls.read_text_files(index_dir, manifest, data)
        try:
            spaces = {manifest["model"]: VectorStore.load(data)}
            if manifest["multilingual"]:
                spaces[manifest["multilingual"]["model"]] = VectorStore.load(data / MULTILINGUAL)
            chunk_lexical = LexicalIndex.load(data / BM25_CHUNKS)
            sentence_lexical = LexicalIndex.load(data / BM25_SENTENCES)
        except (ValueError, KeyError, TypeError, OSError) as e:
            raise IndexLoadError(f"the index in {data} cannot be read ({e}): rebuild it with `{hint}`") from e
        counts = manifest.get("counts", {})
        own = spaces[manifest["model"]]
        if (counts.get("chunks") != len(chunks) or not own.has_sentences or own.dimension != manifest["dimension"]
                or any(len(v) != len(chunks) or (v.has_sentences and v.sentence_count != len(sentences))
                       for v in spaces.values())):
            raise IndexLoadError(f"the files in {data} do not match {index_dir / storage.MANIFEST}: "
                                 f"rebuild the index with `{hint}`")
        return cls(index_dir, manifest, documents, chunks, sentences, spaces, chunk_lexical, sentence_lexical)
