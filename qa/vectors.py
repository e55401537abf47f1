"""Dense vector search: the only module that imports faiss.

Vectors are L2-normalized, so inner product equals cosine similarity. Up to
``approximate_above`` vectors the index is exact (``IndexFlatIP``); above it, HNSW, whose
search time grows with log(n) instead of n (see BENCHMARKS.md for the measured trade-off).
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

HNSW_NEIGHBORS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


class VectorIndex:
    """A FAISS inner-product index over normalized vectors, addressed by row number."""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = HNSW_EF_SEARCH

    @classmethod
    def build(cls, vectors: np.ndarray, *, approximate_above: int) -> VectorIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        if len(vectors) > approximate_above:
            index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBORS, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return cls(index)

    def set_ef_search(self, ef: int) -> None:
        """HNSW only: candidates kept while searching (more: higher recall, slower)."""
        if isinstance(self._index, faiss.IndexHNSW):
            self._index.hnsw.efSearch = ef

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self._index, faiss.IndexHNSW) else "flat"

    @property
    def dimension(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest rows to one query vector: (scores, row ids), best first."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def get(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of ``rows``."""
        return self._index.reconstruct_batch(np.ascontiguousarray(rows, dtype=np.int64))

    def vectors(self) -> np.ndarray:
        """Every stored vector, in row order (used to reuse embeddings of unchanged text)."""
        return self._index.reconstruct_n(0, len(self))

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex:
        """Raises ValueError when the file is not a FAISS index."""
        try:
            return cls(faiss.read_index(str(path)))
        except RuntimeError as e:
            raise ValueError(str(e).strip().splitlines()[0] if str(e).strip() else "unreadable") from e
