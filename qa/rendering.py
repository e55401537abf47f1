"""Answers as people read them: plain text (CLI, ``Answer.text``), markdown (the web chat)
and JSON. The one place that turns an ``Answer``'s fields into words; nothing parses them back.

An answer reads ``Short answer: “the sentence that holds it” [1]`` (a statement longer than
``MAX_LEAD_CHARS`` reads as its sentence alone, trimmed around it); where the quote is stands
before the citation when there is more than one document, a section or a page to name:
``(Warsaw › History) [1]``, ``(report.pdf, p. 4) [2]``. A declined answer reads
``The article does not say. The nearest passage is: “…” [1]`` (the best passage's sentence
nearest to the question), in the question's language
where ``qa.messages`` has it (``В статье об этом не сказано. Ближайший фрагмент: “…” [1]``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from qa import types
from qa.ingest.documents import BUNDLED_ID
from qa.messages import say
from qa.types import Evidence, Passage, citation

MAX_QUOTE_CHARS = 300
# A short answer longer than this (a statement: "What did X say about Y?") is not said again
# before its quote, which holds it and is trimmed around it: the answer reads once.
MAX_LEAD_CHARS = 120


@dataclass(frozen=True)
class Answer(types.Answer):
    """An answer (``qa.types.Answer``'s fields) with its plain ``text``: what the stages give."""

    @property
    def text(self) -> str:
        """The answer as plain text (``plain``)."""
        return plain(self)
_QUOTE_MARKS = str.maketrans({"“": "‘", "”": "’"})  # nested quotes become single ones
# Markdown and HTML take these anywhere in a line; the block markers only at a line's start.
# Brackets only make a link (or an image) before "(": "[1]" stays as it is.
_INLINE_SPECIAL = re.compile(r"([\\`*_<>~|&]|\](?=\())")
# An ordered list's "1." is escaped at its dot ("1\."): a backslash before a digit is no escape,
# and would be shown ("\4.2 million euros"); "4.2" starts no list and is left alone.
_LINE_START = re.compile(r"^(\s*)(?:([#>+\-=])|(\d+)([.)])(?=\s|$))", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """``text`` with what markdown or HTML would interpret backslash-escaped, and nothing
    else: everyday punctuation (``. , : ( ) -``) stays as it is, so the shown and copied text
    reads as plain text."""
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(2) else
                           f"{m.group(1)}{m.group(3)}\\{m.group(4)}", text)


def trim(text: str, around: tuple[int, int] | None = None, limit: int = MAX_QUOTE_CHARS) -> str:
    """``text`` with runs of whitespace made one space, cut to ``limit`` characters around the
    ``around`` span (the short answer), with ellipses where it was cut."""
    if len(text) <= limit and "\n" not in text and "  " not in text:
        return text
    center = (around[0] + around[1]) // 2 if around else 0
    start = max(0, min(center - limit // 2, len(text) - limit))
    if start:
        start = text.rfind(" ", 0, start) + 1
    end = min(len(text), start + limit)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")


def quote_text(answer: types.Answer, quote: Evidence) -> str:
    """The quote as shown: trimmed around the short answer, inner quotation marks made single."""
    around = None
    if answer.answer_span and answer.answer_span[0] == quote.doc_id:
        around = (answer.answer_span[1] - quote.start, answer.answer_span[2] - quote.start)
    return trim(quote.text, around).translate(_QUOTE_MARKS)


def _nearest(answer: types.Answer) -> str:
    """What a declined answer shows of the best passage: its sentence nearest to the question,
    or (without one) the passage's beginning."""
    text = answer.nearest.text if answer.nearest else answer.passages[0].text
    return trim(text).translate(_QUOTE_MARKS)


def _not_said(answer: types.Answer) -> str:
    """"The article does not say." of the bundled article; of one document of the visitor's,
    "The document does not say."; of several, "The documents do not say."."""
    if answer.documents != 1:
        return say("not_in_documents", answer.language)
    bundled = bool(answer.passages) and answer.passages[0].doc_id == BUNDLED_ID
    return say("not_in_article" if bundled else "not_in_document", answer.language)


def _source(answer: types.Answer, quote: Evidence) -> str:
    """Where the quote is ("Warsaw › History", "report.pdf, p. 4"): said when there are several
    documents, or a section or page to name."""
    if not 0 < quote.passage <= len(answer.passages):
        return ""
    passage = answer.passages[quote.passage - 1]
    if answer.documents <= 1 and not passage.section and not quote.page:
        return ""
    return f" ({passage_citation(answer, passage, quote.page)})"


def passage_citation(answer: types.Answer, passage: Passage, page: int | None = None) -> str:
    """Where ``passage`` is ("Warsaw › History", "report.pdf, p. 4"), the page in the answer's
    language ("с. 4"): ``page`` (a quote's), else the passage's own ("pp. 1–2" when it runs
    over a page break)."""
    if page is None and passage.page and passage.last_page and passage.last_page > passage.page:
        label = say("pages", answer.language, first=passage.page, last=passage.last_page)
        return citation(passage.title, passage.section, passage.page, label)
    page = passage.page if page is None else page
    return citation(passage.title, passage.section, page, say("page", answer.language, page=page))


def _lead(answer: types.Answer) -> str:
    short = (answer.short_answer or "").translate(_QUOTE_MARKS)
    return f"{short[:1].upper()}{short[1:]}: " if short and len(short) <= MAX_LEAD_CHARS else ""


def plain(answer: types.Answer) -> str:
    """The answer as one paragraph of plain text, a citation after each quote."""
    if answer.abstained:
        nearest = f" {say('nearest', answer.language)} “{_nearest(answer)}” [1]" if answer.passages else ""
        return f"{_not_said(answer)}{nearest}"
    quotes = " ".join(f"“{quote_text(answer, q)}”{_source(answer, q)} [{q.passage}]" for q in answer.quotes)
    return f"{_lead(answer)}{quotes}"


def markdown(answer: types.Answer) -> str:
    """The answer for the web chat: the plain text, escaped so that markdown shows it as it
    is (and the chat's copy button copies that plain text); its notice, if any, under it."""
    text = escape_markdown(plain(answer))
    return f"{text}\n\n*{escape_markdown(answer.notice)}*" if answer.notice else text


def as_dict(answer: types.Answer) -> dict[str, Any]:
    """The answer's fields for ``--json`` and the web API (its text rendered as plain)."""
    return {"answer": plain(answer), "short_answer": answer.short_answer, "abstained": answer.abstained,
            "confidence": round(answer.confidence, 4), "question": answer.question, "query": answer.query,
            "language": answer.language, "notice": answer.notice,
            "quotes": [asdict(q) for q in answer.quotes],
            "nearest": asdict(answer.nearest) if answer.nearest else None,
            "passages": [{**asdict(p), "citation": passage_citation(answer, p)} for p in answer.passages]}
