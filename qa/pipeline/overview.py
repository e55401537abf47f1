"""Questions about the documents as a whole: "What is the article about?", "Summarize this".

No span of a passage answers them, and the reader declines them. A news article says what it
is about in its lead, the first sentence after the headline, so the answer is that sentence,
quoted and cited: of the one document, or of each of the first few. Pure text and the index:
no model.
"""

from __future__ import annotations

import re

from qa.rendering import Answer
from qa.store.base import IndexView
from qa.types import ENGLISH, Evidence, Question

MAX_DOCUMENTS = 5  # an index of more documents is described by its first five

_THING = (r"(?:article|document|doc|text|story|report|piece|file|page|paper|news|item|post|pdf|"
          r"upload|book|chapter|essay|letter|memo|transcript)s?")
_THIS = r"(?:this|the|that|these|those|your|my|our)"
_OVERVIEW = re.compile(
    r"^(?:so|and|ok|okay|hi|hello|please|first)?[,!]?\s*"
    r"(?:"
    # what is / what's / what are the article(s) about; what is it (all) about
    rf"what(?:'s|’s| is| are| was)\s+(?:{_THIS}\s+(?:\w+\s+)?{_THING}|it|this|that)\s+(?:all\s+)?(?:about|on)"
    # what does the article say / talk about / cover / deal with / discuss
    rf"|what\s+(?:does|do|did)\s+{_THIS}\s+(?:\w+\s+)?{_THING}\s+"
    r"(?:say|tell(?:\s+(?:me|us))?|talk\s+about|cover|deal\s+with|discuss|describe|report)"
    # what is the topic / subject / gist / main point of the article
    rf"|what(?:'s|’s| is| are)\s+the\s+(?:main\s+)?(?:topic|subject|gist|point|idea|theme|story)s?"
    rf"(?:\s+of\s+{_THIS}\s+(?:\w+\s+)?{_THING})?"
    # summarize / sum up / give me a summary (of the article)
    r"|(?:can\s+you\s+|could\s+you\s+)?(?:summari[sz]e|sum\s+(?:(?:it|this|that)\s+)?up|recap|give\s+(?:me\s+|us\s+)?(?:a\s+|the\s+)?"
    r"(?:short\s+|brief\s+|quick\s+)?(?:summary|gist|overview|recap|tl;?dr))"
    rf"(?:\s+(?:of\s+)?(?:{_THIS}\s+(?:\w+\s+)?{_THING}|it))?"
    r"|tl;?dr|summary|overview"
    r")\s*(?:please)?\s*[?.!]*$",
    re.IGNORECASE,
)


_NAMES_DOCUMENT = re.compile(rf"\b{_THING}\b", re.IGNORECASE)


def asks_overview(question: Question) -> bool:
    """Whether ``question`` asks what the documents are about as a whole (English only). In a
    conversation (a follow-up, whose query carries what it leans on) only when it names them:
    "What is it about?" after a question on a project asks about the project."""
    text = " ".join(question.text.split())
    if question.language != ENGLISH or _OVERVIEW.match(text) is None:
        return False
    return question.query == question.text or _NAMES_DOCUMENT.search(text) is not None


def overview(index: IndexView, question: Question) -> Answer:
    """The lead sentence of each of the index's first ``MAX_DOCUMENTS`` documents, quoted and
    cited (a document with no sentence is left out); declined when there is none."""
    passages, quotes = [], []
    for doc in index.documents[:MAX_DOCUMENTS]:
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
