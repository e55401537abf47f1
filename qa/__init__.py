"""articleqa: answers about a news article, or any documents, quoted from the text and cited.

    >>> import qa
    >>> index = qa.open_index()              # the bundled article, built on first use
    >>> index.search("What did Putin say about cyber security?", k=1)[0].text
"""

from qa.answering import Answer, Chatbot, Evidence
from qa.documents import Document
from qa.errors import (
    IndexBusyError,
    IndexLoadError,
    ModelError,
    QAError,
    QuestionError,
    SourceError,
)
from qa.index import Index, Passage, build_index, load_index, open_index
from qa.settings import Settings

__all__ = [
    "Answer",
    "Chatbot",
    "Document",
    "Evidence",
    "Index",
    "IndexBusyError",
    "IndexLoadError",
    "ModelError",
    "Passage",
    "QAError",
    "QuestionError",
    "Settings",
    "SourceError",
    "build_index",
    "load_index",
    "open_index",
]
