"""What the chat page shows, as text and HTML made from plain values (no Gradio, no model).

Everything taken from documents is shown as text: it is HTML-escaped before it goes into a
panel and markdown-escaped before it goes into the chat or a heading, so a document holding
``<script>`` or ``![](http://...)`` runs and loads nothing.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import qa
from qa import rendering
from qa.rendering import escape_markdown

EXAMPLES = [
    "What did Putin say about cyber security?",
    "How many organizations are operating in the IT area?",
    "What role did IT play during the epidemic restrictions?",
    "What did Putin say Russian companies offer?",
    "Что Путин сказал о цифровизации?",  # questions in other languages are answered too
]
HIDDEN = "<p>Sources are hidden (see Settings).</p>"
DOCUMENT_COLUMNS = ("title", "id", "characters", "chunks")  # the documents table's, and /upload's keys


def _marked(text: str, offset: int, spans: list[tuple[int, int]]) -> str:
    """HTML of ``text`` (which starts at ``offset`` in its document) with ``spans`` marked."""
    out, pos = [], 0
    for start, end in sorted(spans):
        a, b = max(start - offset, pos), min(end - offset, len(text))
        if b <= a:
            continue
        out += [html.escape(text[pos:a]), f'<mark class="qa-evidence">{html.escape(text[a:b])}</mark>']
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)


def sources_html(answer: qa.Answer | None, k: int) -> str:
    """The first ``k`` passages of ``answer``, each with its citation and score, its evidence
    marked; a hint to ask when there is no answer yet."""
    if answer is None:
        return "<p>Ask a question to see its sources here.</p>"
    spans = {}
    for e in answer.evidence:
        spans.setdefault(e.doc_id, []).append((e.start, e.end))
    parts = []
    for n, p in enumerate(answer.passages[:k], 1):
        body = _marked(p.text, p.start, spans.get(p.doc_id, []))
        where = html.escape(rendering.passage_citation(answer, p))
        parts.append(f'<div class="qa-source"><div class="qa-meta"><b>[{n}] {where}</b> '
                     f'· score {p.score:.2f} · characters {p.start}–{p.end}</div><p>{body}</p></div>')
    return "".join(parts)


def sources_panel(answer: qa.Answer | None, k: float, show: bool) -> str:
    """The sources tab: ``sources_html`` when the visitor shows sources, else a note saying they
    are hidden (``k`` comes from a slider, so it may be a float)."""
    return sources_html(answer, int(k)) if show else HIDDEN


def article_document(answer: qa.Answer | None) -> str | None:
    """The id of the document the article tab shows for ``answer``: its best evidence's, else its
    best passage's; None when it has neither (then the index's first document is shown)."""
    if answer and answer.evidence:
        return answer.evidence[0].doc_id
    if answer and answer.passages:
        return answer.passages[0].doc_id
    return None


def article_html(document: qa.Document, answer: qa.Answer | None) -> str:
    """The whole of ``document``, with ``answer``'s evidence in it marked in place."""
    spans = [(e.start, e.end) for e in (answer.evidence if answer else []) if e.doc_id == document.id]
    # A text that opens with its title (the bundled article does) shows it once.
    heading = "" if document.text.lstrip().startswith(document.title) else f"<h3>{html.escape(document.title)}</h3>"
    return f'<div class="qa-article">{heading}<p>{_marked(document.text, 0, spans)}</p></div>'


def _about(documents: Sequence[qa.Document]) -> str:
    names = ", ".join(f"“{d.title}”" for d in documents[:3])
    more = f" and {len(documents) - 3} more" if len(documents) > 3 else ""
    return escape_markdown(names + more)


def _what(documents: Sequence[qa.Document], uploaded: bool) -> str:
    if uploaded:
        return "your documents"
    return "the article" if len(documents) == 1 else f"{len(documents)} documents"


def header(documents: Sequence[qa.Document], uploaded: bool = False) -> str:
    """The page's heading (markdown): what the visitor asks about, by title."""
    return (f"## articleqa\nAsk about {_what(documents, uploaded)}: {_about(documents)}. Every answer is quoted "
            "from the text and cited; when the text does not say, the bot says so.")


def placeholder(documents: Sequence[qa.Document], uploaded: bool = False) -> str:
    """The question box's placeholder."""
    return f"Ask a question about {_what(documents, uploaded)}…"


def answering_from(documents: Sequence[qa.Document]) -> str:
    """The documents tab's status line (markdown)."""
    return f"Answering from {_about(documents)}."


def example_questions(documents: Sequence[qa.Document], n: int = 4) -> list[str]:
    """Questions that fit the visitor's documents, from their own headings and titles (not the
    article's)."""
    asked = [f"What does {d.title} say about {d.text[a:b]}?" for d in documents
             for a, b, _ in d.headings if d.text[a:b].casefold() != d.title.casefold()]
    asked += [f"What is {d.title} about?" for d in documents if d.title]
    return list(dict.fromkeys(asked))[:n]


def documents_table(documents: Sequence[qa.Document], manifest: dict) -> list[list]:
    """One row per document: title, id, characters, and its chunks as the index's manifest
    counts them (0 for a document the manifest does not list)."""
    counts = {s["id"]: s["chunks"] for s in manifest["sources"]}
    return [[d.title, d.id, len(d.text), counts.get(d.id, 0)] for d in documents]


def documents_json(rows: list[list]) -> list[dict]:
    """The documents table as /upload returns it: ``{"title", "id", "characters", "chunks"}``."""
    return [dict(zip(DOCUMENT_COLUMNS, row, strict=True)) for row in rows]
