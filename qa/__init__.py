"""articleqa: answers about a news article, or any documents, quoted from the text and cited.

    >>> import qa
    >>> index = qa.open_index()              # the bundled article, built on first use
    >>> qa.Chatbot(index).ask("How many organizations are operating in the IT area?").short_answer
    'about 60,000'

The stages, each with a small interface, in the order a question meets them:
``qa.pipeline.conversation`` (follow-ups) -> ``qa.pipeline.retrieval.Retriever`` (hybrid ranking over the
``qa.index.Index`` stores) -> ``qa.pipeline.answering.ReaderAnswerer`` (the trained reader of
``qa.models.reading``) -> ``qa.rendering`` (plain text, markdown, JSON). ``qa.building`` writes
indexes; ``qa.models.embedding`` embeds.
"""

from qa.building import build_index, open_index
from qa.errors import (
    IndexBusyError,
    IndexLoadError,
    ModelError,
    QAError,
    QuestionError,
    SourceError,
)
from qa.index import Index, Passage, load_index
from qa.ingest.documents import Document
from qa.models.embedding import Embedder, SentenceTransformerEmbedder
from qa.models.reading import Reader
from qa.pipeline.answering import Answer, Answerer, Chatbot, Evidence, ReaderAnswerer
from qa.pipeline.retrieval import Retriever
from qa.settings import Settings

__all__ = [
    "Answer",
    "Answerer",
    "Chatbot",
    "Document",
    "Embedder",
    "Evidence",
    "Index",
    "IndexBusyError",
    "IndexLoadError",
    "ModelError",
    "Passage",
    "QAError",
    "QuestionError",
    "Reader",
    "ReaderAnswerer",
    "Retriever",
    "SentenceTransformerEmbedder",
    "Settings",
    "SourceError",
    "build_index",
    "load_index",
    "open_index",
]
