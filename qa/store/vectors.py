"""Dense vectors of an index: the only module that imports faiss.

A ``VectorStore`` owns the vectors of one space, addressed by id: one per chunk (FAISS,
searched) and one per sentence (looked up), when built with them (the multilingual space keeps
none: ``qa.index.Index`` embeds the sentences a question needs when it needs them). Vectors
are L2-normalized, so inner product equals cosine similarity. Up to ``approximate_above`` chunks the search is exact
(``IndexFlatIP``); above it, HNSW, whose search time grows with log(n) instead of n (see
BENCHMARKS.md for the measured trade-off).
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

HNSW_NEIGHBORS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
_CHUNKS = "vectors.faiss"
_SENTENCES = "sentence_vectors.npy"


class VectorStore:
    """Chunk vectors in a FAISS inner-product index keyed by chunk id, and sentence vectors
    keyed by sentence id (``None``: none kept)."""

    def __init__(self, chunks: faiss.IndexIDMap2, sentences: np.ndarray | None) -> None:
        self._index = chunks
        self._sentences = sentences
        self.set_ef_search(HNSW_EF_SEARCH)

    @classmethod
    def build(cls, chunk_ids: np.ndarray, chunk_vectors: np.ndarray, sentence_vectors: np.ndarray | None, *,
              approximate_above: int) -> VectorStore:
        """``sentence_vectors[i]`` is sentence ``i``'s vector (``None``: keep none)."""
        chunk_vectors = np.ascontiguousarray(chunk_vectors, dtype=np.float32)
        dim = chunk_vectors.shape[1]
        if len(chunk_vectors) > approximate_above:
            inner = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBORS, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            inner = faiss.IndexFlatIP(dim)
        index = faiss.IndexIDMap2(inner)
        index.add_with_ids(chunk_vectors, np.ascontiguousarray(chunk_ids, dtype=np.int64))
        if sentence_vectors is None:
            return cls(index, None)
        return cls(index, np.ascontiguousarray(sentence_vectors, dtype=np.float32).reshape(-1, dim))

    def _inner(self) -> faiss.Index:
        return faiss.downcast_index(self._index.index)

    def set_ef_search(self, ef: int) -> None:
        """HNSW only: candidates kept while searching (more: higher recall, slower)."""
        inner = self._inner()
        if isinstance(inner, faiss.IndexHNSW):
            inner.hnsw.efSearch = ef

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self._inner(), faiss.IndexHNSW) else "flat"

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def has_sentences(self) -> bool:
        return self._sentences is not None

    @property
    def sentence_count(self) -> int:
        return 0 if self._sentences is None else len(self._sentences)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` chunks nearest to one query vector: (scores, chunk ids), best first."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def chunk_vectors(self, ids: np.ndarray) -> np.ndarray:
        return self._index.reconstruct_batch(np.ascontiguousarray(ids, dtype=np.int64))

    def sentence_vectors(self, ids: np.ndarray) -> np.ndarray:
        """Raises LookupError when it keeps no sentence vectors (``has_sentences``)."""
        if self._sentences is None:
            raise LookupError("these vectors have no sentence vectors")
        return self._sentences[ids]

    def save(self, folder: Path) -> None:
        faiss.write_index(self._index, str(folder / _CHUNKS))
        if self._sentences is not None:
            np.save(folder / _SENTENCES, self._sentences, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> VectorStore:
        """Raises ValueError when the folder does not hold readable vectors."""
        try:
            index = faiss.read_index(str(folder / _CHUNKS))
        except RuntimeError as e:
            raise ValueError(str(e).strip().splitlines()[0] if str(e).strip() else "unreadable") from e
        if not isinstance(index, faiss.IndexIDMap2):
            raise ValueError(f"{folder / _CHUNKS} is not an id-mapped FAISS index")
        if not (folder / _SENTENCES).exists():
            return cls(index, None)
        sentences = np.load(folder / _SENTENCES, allow_pickle=False)
        if sentences.ndim != 2 or (len(sentences) and sentences.shape[1] != index.d):
            raise ValueError(f"{folder / _SENTENCES} has shape {sentences.shape}, not (n, {index.d})")
        return cls(index, sentences)
