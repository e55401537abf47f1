"""The index in Milvus (``qa.store.base.Store``): the only module that imports pymilvus.

The vectors and the BM25 weights live in Milvus, where they can outgrow one machine: a
collection of chunks and one of sentences, each row with the index's own model's dense vector
(``v0``) and its BM25 weights as a sparse vector, and, once built, a collection of the chunks'
multilingual vectors (``qa.building``'s second snapshot; an index of format 4 has them as
``v1`` in both collections). The documents, the sentence table and the chunks' text stay in the index folder beside
the manifest, so evidence offsets still slice a document exactly.

BM25 is ours, not Milvus's: a chunk's sparse vector holds bm25s's precomputed weight of each
term (its IDF times its saturated frequency, for our per-language stemming and stop words), and
a query is the count of each of its terms, so the inner product is exactly the folder's BM25
score. The weights depend on the whole corpus (IDF, mean length); a build writes a new
snapshot, new collections named in the manifest, so none is ever stale. Candidates are fused
by ``qa.pipeline.retrieval`` as for the folder, never by Milvus's own rankers.

The URI is a file (``index/milvus.db``: milvus-lite, the real engine embedded, one process per
file) or a server (``http://host:19530``: Milvus Standalone or Distributed, Zilliz Cloud), with
a token from ``MILVUS_TOKEN`` (never written to the manifest).
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
import warnings
from pathlib import Path

import numpy as np

from qa.errors import IndexLoadError, ModelError
from qa.ingest.documents import Document
from qa.store import storage
from qa.store.base import Snapshot
from qa.store.folder import FolderStore
from qa.store.lexical import LexicalIndex
from qa.types import Chunk

VOCABULARY = "bm25-vocabulary.json"
TOKEN_VARIABLE = "MILVUS_TOKEN"
_BATCH = 1000  # rows inserted or queried at once: milvus-lite inserts 1,000 a call at ~15,000/s, 5,000 at ~300/s


def _client(uri: str):
    try:
        from pymilvus import MilvusClient
    except ImportError as e:
        raise ModelError("Milvus needs its extra: pip install 'articleqa[milvus]'") from e
    if "://" not in uri:
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        # milvus-lite 2.5.1 imports pkg_resources, which warns that it is deprecated, and logs a
        # file it cannot open to the root logger: the error below says it in one line.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logging.disable(logging.ERROR)
            try:
                return MilvusClient(uri, token=os.environ.get(TOKEN_VARIABLE, ""))
            finally:
                logging.disable(logging.NOTSET)
    except Exception as e:  # pymilvus raises its own types, and milvus-lite OSError-like ones
        raise IndexLoadError(f"cannot open Milvus at {uri} ({type(e).__name__}: {str(e)[:200]}): "
                             "another process may have this milvus-lite file open (one process per file); "
                             "use a Milvus server for several") from e


def _sparse(matrix, n: int) -> list[dict[int, float]]:
    """Each row's nonzero weights of bm25s's term-major score matrix (``data``, ``indices``,
    ``indptr``), as {term id: weight}."""
    rows: list[dict[int, float]] = [{} for _ in range(n)]
    indptr, indices, data = (np.asarray(matrix[k]) for k in ("indptr", "indices", "data"))
    for term in range(len(indptr) - 1):
        for row, weight in zip(indices[indptr[term]:indptr[term + 1]], data[indptr[term]:indptr[term + 1]],
                               strict=True):
            rows[int(row)][term] = float(weight)
    return rows


class MilvusStore(FolderStore):
    """The documents, sentences and chunks from the index folder; vectors and BM25 from Milvus."""

    def __init__(self, directory: Path, manifest: dict, documents: list[Document], chunks: list[Chunk],
                 sentences: np.ndarray, client, vocabulary: dict[str, int]) -> None:
        super().__init__(directory, manifest, documents, chunks, sentences, {}, None, None)
        self._client = client
        self._names = manifest["milvus"]["collections"]
        spaces = manifest["milvus"]["spaces"]
        if isinstance(spaces, list):  # format 4: every space in both collections
            spaces = {space: ["chunks", f"v{n}", f"v{n}"] for n, space in enumerate(spaces)}
        # space: the collection of its chunk vectors, their field, and the sentences' field (or None)
        self._fields: dict[str, list] = spaces
        self._vocabulary = vocabulary

    @property
    def spaces(self) -> tuple[str, ...]:
        return tuple(self._fields)

    def has_sentence_vectors(self, space: str) -> bool:
        return self._fields[space][2] is not None

    def vectors(self, space: str):
        raise NotImplementedError("a Milvus index's vectors are searched in Milvus (dense_search)")

    def _search(self, collection: str, field: str, query, k: int, within: np.ndarray | None):
        if k <= 0 or (within is not None and len(within) == 0):
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        hits = self._client.search(self._names[collection], data=[query], anns_field=field, limit=int(k),
                                   filter="" if within is None else f"id in {[int(i) for i in within]}",
                                   search_params={"metric_type": "IP"})[0]
        return (np.array([h["distance"] for h in hits], np.float32), np.array([h["id"] for h in hits], np.int64))

    def _rows(self, collection: str, field: str, ids: np.ndarray) -> list:
        ids = [int(i) for i in ids]
        found = {}
        for first in range(0, len(ids), _BATCH):  # a query gives at most 16,384 rows
            found.update({r["id"]: r[field] for r in self._client.query(
                self._names[collection], ids=ids[first:first + _BATCH], output_fields=[field])})
        return [found[i] for i in ids]

    def dense_search(self, space: str, vector: np.ndarray, k: int,
                     within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        collection, field, _ = self._fields[space]
        return self._search(collection, field, np.asarray(vector, np.float32).tolist(), k, within)

    def chunk_vectors(self, space: str, ids: np.ndarray) -> np.ndarray:
        collection, field, _ = self._fields[space]
        return np.array(self._rows(collection, field, ids), np.float32).reshape(len(ids), -1)

    def sentence_vectors(self, space: str, rows: np.ndarray) -> np.ndarray:
        field = self._fields[space][2]
        if field is None:
            raise LookupError(f"the {space} vectors have no sentence vectors")
        return np.array(self._rows("sentences", field, rows), np.float32).reshape(len(rows), -1)

    def _query(self, terms: list[str]) -> dict[int, float]:
        query: dict[int, float] = {}
        for t in terms:
            if t in self._vocabulary["chunks"]:
                query[self._vocabulary["chunks"][t]] = query.get(self._vocabulary["chunks"][t], 0.0) + 1.0
        return query

    def lexical_search(self, terms: list[str], k: int,
                       within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        query = self._query(terms)
        if not query:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores, ids = self._search("chunks", "bm25", query, k, within)
        return scores[scores > 0], ids[scores > 0]

    def _scores(self, collection: str, vocabulary: dict[str, int], terms: list[str], ids: np.ndarray) -> np.ndarray:
        counts: dict[int, int] = {}
        for t in terms:
            if t in vocabulary:
                counts[vocabulary[t]] = counts.get(vocabulary[t], 0) + 1
        if not counts:
            return np.zeros(len(ids), np.float32)
        weights = self._rows(collection, "bm25", ids)
        return np.array([sum(float(w.get(t, w.get(str(t), 0.0))) * c for t, c in counts.items()) for w in weights],
                        np.float32)

    def chunk_scores(self, terms: list[str], ids: np.ndarray) -> np.ndarray:
        return self._scores("chunks", self._vocabulary["chunks"], terms, ids)

    def has_terms(self, terms: list[str]) -> list[bool]:
        return [t in self._vocabulary["chunks"] for t in terms]

    def sentence_scores(self, terms: list[str], rows: np.ndarray) -> np.ndarray:
        return self._scores("sentences", self._vocabulary["sentences"], terms, rows)

    @classmethod
    def write(cls, index_dir: Path, snapshot: Snapshot, manifest: dict, *, uri: str = "",
              approximate_above: int = 0) -> MilvusStore:
        """Write ``snapshot``: its vectors and BM25 weights into new Milvus collections at ``uri``,
        the rest into a new data folder; then swap the manifest in, naming them, and drop the
        collections the previous manifest named. A crash before the swap leaves the previous
        index whole (its collections untouched; the new ones are dropped at the next build)."""
        from pymilvus import DataType

        client = _client(uri)
        docs, chunks, sentences = snapshot.documents, snapshot.chunks, snapshot.sentences
        language = {d.id: d.language for d in docs}
        lexical = {"chunks": LexicalIndex.build(snapshot.chunk_texts, [language[c.doc_id] for c in chunks]),
                   "sentences": LexicalIndex.build([docs[d].text[a:b] for d, a, b in sentences],
                                                   [docs[d].language for d, _, _ in sentences])}
        stamp = _stamp()
        prefix = _prefix(index_dir)
        names = {"chunks": f"{prefix}_chunks_{stamp}", "sentences": f"{prefix}_sentences_{stamp}"}
        (own, (chunk_vectors, sentence_vectors)), *others = snapshot.vectors.items()
        previous = _previous_collections(index_dir)
        for name in client.list_collections():  # a crashed build's, never swapped in
            if name.startswith(prefix + "_") and name not in previous.values():
                client.drop_collection(name)
        for kind, vectors in (("chunks", chunk_vectors), ("sentences", sentence_vectors)):
            schema = client.create_schema(auto_id=False)
            schema.add_field("id", DataType.INT64, is_primary=True)
            params = client.prepare_index_params()
            schema.add_field("v0", DataType.FLOAT_VECTOR, dim=int(vectors.shape[1]))
            params.add_index("v0", index_type="FLAT", metric_type="IP")
            schema.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
            params.add_index("bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            client.create_collection(names[kind], schema=schema, index_params=params)
            weights = _sparse(lexical[kind].matrix(), len(vectors))
            for first in range(0, len(weights), _BATCH):
                rows = [{"id": i, "bm25": weights[i] or {0: 0.0}, "v0": vectors[i].tolist()}
                        for i in range(first, min(first + _BATCH, len(weights)))]
                client.insert(names[kind], rows)
            client.load_collection(names[kind])
        spaces: dict[str, list] = {own: ["chunks", "v0", "v0"]}
        second = None
        if others:  # the multilingual chunk vectors, known from the last build
            space, (vectors, _) = others[0]
            names["multilingual"] = _vector_collection(client, f"{prefix}_multilingual_{stamp}", vectors)
            spaces[space] = ["multilingual", "v", None]
            second = {"model": space, "dimension": int(vectors.shape[1])}
        vocabulary = {kind: index.vocabulary() for kind, index in lexical.items()}
        manifest = {**manifest, "dimension": int(chunk_vectors.shape[1]), "vector_index": "milvus-flat",
                    "multilingual": second, "milvus": {"uri": uri, "collections": names, "spaces": spaces}}
        building = storage.new_build_folder(index_dir)
        try:
            FolderStore.write_text_files(building, snapshot)
            (building / VOCABULARY).write_text(json.dumps(vocabulary), encoding="utf-8")
            manifest = storage.commit(index_dir, building, manifest)
        except BaseException:
            storage.discard(building)
            raise
        for name in previous.values():
            if client.has_collection(name):
                client.drop_collection(name)
        return cls(index_dir, manifest, docs, chunks, sentences, client, vocabulary)

    def with_space(self, space: str, chunk_vectors: np.ndarray, *, approximate_above: int = 0) -> MilvusStore:
        """This index with a second vector space (chunk vectors only): a new collection, named
        in a new manifest swapped in over the same data files (``storage.extend``). The caller
        holds the build lock and has checked that this is still the folder's index."""
        name = _vector_collection(self._client, f"{_prefix(self.directory)}_multilingual_{_stamp()}", chunk_vectors)
        milvus = self.manifest["milvus"]
        try:
            manifest = storage.extend(self.directory, self.manifest, lambda _: {
                "multilingual": {"model": space, "dimension": int(chunk_vectors.shape[1])},
                "milvus": {**milvus, "collections": {**milvus["collections"], "multilingual": name},
                           "spaces": {**self._fields, space: ["multilingual", "v", None]}}})
        except BaseException:
            if name not in _previous_collections(self.directory).values():  # not swapped in after all
                self._client.drop_collection(name)
            raise
        return MilvusStore(self.directory, manifest, self._document_list, self.chunks, self.sentences, self._client,
                           self._vocabulary)

    @classmethod
    def load(cls, index_dir: Path, manifest: dict | None = None) -> MilvusStore:
        manifest = manifest or storage.read_manifest(index_dir)
        data = storage.data_folder(index_dir, manifest)
        documents, chunks, sentences = FolderStore.read_text_files(index_dir, manifest, data)
        client = _client(manifest["milvus"]["uri"])
        for name in manifest["milvus"]["collections"].values():
            if not client.has_collection(name):
                raise IndexLoadError(f"Milvus at {manifest['milvus']['uri']} has no collection {name}: rebuild "
                                     f"the index with `{storage.manifest_hint(index_dir, manifest)}`")
            client.load_collection(name)
        vocabulary = json.loads((data / VOCABULARY).read_text(encoding="utf-8"))
        return cls(index_dir, manifest, documents, chunks, sentences, client, vocabulary)


def _stamp() -> str:
    return f"{time.strftime('%Y%m%d%H%M%S')}_{uuid.uuid4().hex[:6]}"


def _vector_collection(client, name: str, vectors: np.ndarray) -> str:
    """A new collection ``name`` of ``vectors`` (field ``v``, by row id), loaded; its name."""
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=int(vectors.shape[1]))
    params = client.prepare_index_params()
    params.add_index("v", index_type="FLAT", metric_type="IP")
    client.create_collection(name, schema=schema, index_params=params)
    for first in range(0, len(vectors), _BATCH):
        client.insert(name, [{"id": i, "v": vectors[i].tolist()}
                             for i in range(first, min(first + _BATCH, len(vectors)))])
    client.load_collection(name)
    return name


def _prefix(index_dir: Path) -> str:
    """Collection names of this index folder: 'articleqa_' and a hash of its absolute path."""
    import hashlib

    return "articleqa_" + hashlib.sha256(str(Path(index_dir).resolve()).encode()).hexdigest()[:10]


def _previous_collections(index_dir: Path) -> dict[str, str]:
    try:
        return storage.read_manifest(index_dir).get("milvus", {}).get("collections", {})
    except IndexLoadError:
        return {}

