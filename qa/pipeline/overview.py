"""Questions about the documents as a whole: "What is the article about?", "Summarize this".

No span of a passage answers them, and the reader declines them. A news article says what it
is about in its lead, the first sentence after the headline, so the answer is that sentence,
quoted and cited: of the one document, or of each of the first few. Pure text and the index:
no model.
"""

from __future__ import annotations

import re

from qa.ingest.documents import Document
from qa.rendering import Answer
from qa.store.base import IndexView
from qa.types import ENGLISH, Evidence, Question

MAX_DOCUMENTS = 5  # an index of more documents is described by its first five

# What people call the thing they uploaded. Not "report", "letter", "book" or "paper": news
# mentions those ("What does the UN report say?"), and the reader answers about them.
_THING = r"(?:article|document|doc|text|stor(?:y|ies)|piece|file|pdf|page|upload|write-?up)s?"
_DOC = rf"(?:this|the|these|your|my)\s+(?:\w+\s+)?{_THING}"
_WHAT_IS = r"what(?:'s|’s|s|\s+is|\s+are|\s+was)"
_OVERVIEW = re.compile(
    r"^(?:(?:so|and|ok|okay|hi|hey|hello|please|first|well)[,!]?\s+)*"
    r"(?:"
    # what is the article (mainly) about; what is it / this (all) about
    rf"{_WHAT_IS}\s+(?:{_DOC}|it|this)\s+(?:all\s+|mainly\s+|mostly\s+|really\s+|actually\s+)?about"
    # what does the article say / talk about / cover; what is the article saying
    rf"|what(?:\s+does|\s+do|\s+did|\s+is|\s+are|'s|’s)\s+{_DOC}\s+"
    r"(?:say|saying|tell(?:\s+(?:me|us))?|talk(?:ing)?\s+about|cover|deal\s+with|discuss|describe)"
    # what is the (main) topic / subject / gist (of the article); its main / key points
    rf"|{_WHAT_IS}\s+the\s+(?:main\s+|overall\s+)?(?:topic|subject|gist|theme)s?(?:\s+of\s+{_DOC})?"
    rf"|{_WHAT_IS}\s+the\s+(?:main|key)\s+(?:points?|ideas?|takeaways?|messages?)(?:\s+of\s+{_DOC})?"
    rf"|{_WHAT_IS}\s+the\s+(?:points?|ideas?|takeaways?|messages?)\s+of\s+{_DOC}"
    rf"|{_WHAT_IS}\s+{_DOC}(?:'s|’s)\s+(?:main\s+)?(?:point|topic|subject|idea|message|gist)"
    # A request for a summary (``summary``: asked in a conversation, it still asks for this):
    # (can you) summarize / sum up the article; give me a summary (of it); a summary; tl;dr
    r"|(?P<summary>(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?"
    r"(?:summari[sz]e|sum\s+(?:(?:it|this)\s+)?up|recap|give\s+(?:me\s+|us\s+)?(?:a\s+|an\s+|the\s+)?"
    r"(?:short\s+|brief\s+|quick\s+)?(?:summary|gist|overview|recap|tl;?dr))"
    rf"(?:\s+(?:of\s+)?(?:{_DOC}|it|this))?"
    rf"|(?:a\s+)?(?:summary|overview|tl;?dr|recap|gist)(?:\s+of\s+{_DOC})?)"
    rf"|(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?describe\s+{_DOC}"
    # tell me what the article is about; tell me about the article
    rf"|tell\s+(?:me|us)\s+(?:what\s+{_DOC}\s+(?:is|are)\s+about|about\s+{_DOC})"
    r")\s*(?:,?\s*please)?\s*[?.!]*$",
    re.IGNORECASE,
)


_NAMES_DOCUMENT = re.compile(rf"\b{_THING}\b", re.IGNORECASE)


# "What is “Owl facts” about?": the chat's example question for an upload without headings.
_ABOUT_TITLE = re.compile(rf"^{_WHAT_IS}\s+[“\"'‘]?(?P<title>.+?)[”\"'’]?\s+(?:all\s+|mainly\s+)?about\s*[?.!]*$",
                          re.IGNORECASE)


def asks_overview(question: Question) -> bool:
    """Whether ``question`` asks what the documents are about as a whole (English only). In a
    conversation (a follow-up, whose query carries what it leans on) only when it names them
    or asks for a summary: "What is it about?" after a question on a project asks about the
    project, "Summarize this" for the documents' overview (no span answers it otherwise)."""
    text = " ".join(question.text.split())
    asked = _OVERVIEW.match(text) if question.language == ENGLISH else None
    if asked is None:
        return False
    return (question.query == question.text or _NAMES_DOCUMENT.search(text) is not None
            or asked.group("summary") is not None)


def overview_documents(index: IndexView, question: Question) -> list[Document] | None:
    """The documents ``question`` asks about as a whole: the first ``MAX_DOCUMENTS`` for "What
    is the article about?" (``asks_overview``), the one it names by its title for "What is
    “Owl facts” about?"; ``None`` for any other question."""
    if asks_overview(question):
        return index.documents[:MAX_DOCUMENTS]
    named = _ABOUT_TITLE.match(" ".join(question.text.split()))
    if named is None:
        return None
    title = named.group("title").casefold()
    return [d for d in index.documents if d.title and d.title.casefold() == title][:MAX_DOCUMENTS] or None


def overview(index: IndexView, question: Question, documents: list[Document]) -> Answer:
    """The lead sentence of each of ``documents``, quoted and cited (a document with no
    sentence is left out); declined when there is none."""
    passages, quotes = [], []
    for doc in documents:
        chunks = index.chunks_of({doc.id})
        if not len(chunks):
            continue
        passage = index.passage(int(chunks.min()))
        if not passage.sentences:
            continue
        start, end = passage.sentences[0]
        passages.append(passage)
        quotes.append(Evidence(doc.id, start, end, len(passages), doc.text[start:end], doc.page(start)))
    return Answer(short_answer=None, quotes=quotes, passages=passages, abstained=not quotes,
                  confidence=1.0 if quotes else 0.0, query=question.query, question=question.text,
                  documents=len(index.documents), language=question.language)
