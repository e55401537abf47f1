"""articleqa: answers about a news article, or any documents, quoted from the text and cited.

    >>> import qa
    >>> index = qa.open_index()              # the bundled article, built on first use
    >>> qa.Chatbot(index).ask("How many organizations are operating in the IT area?").short_answer
    '60,000'

The stages, in the order a question meets them (``qa.pipeline``): ``question.analyze`` (checked,
language, follow-up, terms and vector, once) -> ``retrieval.Retriever`` (hybrid ranking over
the index's store, ``qa.store``) -> ``answering.ReaderAnswerer`` (the trained reader of
``qa.models.reading``; or ``overview`` for a question about the documents as a whole) ->
``qa.rendering`` (plain text, markdown, JSON). ``qa.building`` writes
indexes from what ``qa.ingest`` reads; ``qa.types`` holds the values that cross the stages.
"""

from qa.building import (
    add_documents,
    build_index,
    finish_multilingual,
    open_index,
    remove_documents,
    start_multilingual,
)
from qa.errors import (
    IndexBusyError,
    IndexLoadError,
    ModelError,
    QAError,
    QuestionError,
    SourceError,
)
from qa.index import Index, load_index
from qa.ingest.documents import Document
from qa.models.embedding import Embedder, SentenceTransformerEmbedder
from qa.models.reading import Reader
from qa.pipeline.answering import Answerer, ReaderAnswerer
from qa.pipeline.chatbot import Chatbot
from qa.pipeline.retrieval import Retriever
from qa.rendering import Answer
from qa.settings import AskSettings, BuildSettings, Settings
from qa.types import Evidence, Passage

__all__ = [
    "Answer",
    "Answerer",
    "AskSettings",
    "BuildSettings",
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
    "add_documents",
    "build_index",
    "finish_multilingual",
    "load_index",
    "open_index",
    "remove_documents",
    "start_multilingual",
]
