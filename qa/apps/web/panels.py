"""What the chat page shows, as text and HTML made from plain values (no Gradio, no model).

Everything taken from documents is shown as text: it is HTML-escaped before it goes into a
panel and markdown-escaped before it goes into the chat or a heading, so a document holding
``<script>`` or ``![](http://...)`` runs and loads nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import qa
from qa import rendering
from qa.rendering import escape_markdown

EXAMPLES = [
    "What did Putin say about cyber security?",
    "How many organizations are operating in the IT area?",
    "Who did Putin thank?",  # the article names him only as "he" there
    "What did Putin say Russian companies offer?",
    "Что Путин сказал о цифровизации?",  # questions in other languages are answered too
]
HIDDEN = "<p>Sources are hidden (see Settings).</p>"
REFUSED = "<p>No sources: the last question was not answered (the chat says why).</p>"
LOADING_PLACEHOLDER = "Loading the models… the box opens when they are ready"
LOADING = ("⏳ Loading the models (a few seconds, once per start): the question box opens when they are "
           "ready.")
DOCUMENT_COLUMNS = ("title", "id", "characters", "chunks")  # the documents table's, and /upload's keys
_EXAMPLE_HEADING_CHARS = 40  # a longer heading makes an example question too long for its button


def _marked(text: str, offset: int, spans: list[tuple[int, int]], kind: str = "qa-evidence") -> str:
    """HTML of ``text`` (which starts at ``offset`` in its document) with ``spans`` marked as
    ``kind`` (``qa-evidence``, or ``qa-nearest`` for a declined answer's nearest sentence)."""
    out, pos = [], 0
    for start, end in sorted(spans):
        a, b = max(start - offset, pos), min(end - offset, len(text))
        if b <= a:
            continue
        out += [html.escape(text[pos:a]), f'<mark class="{kind}">{html.escape(text[a:b])}</mark>']
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _spans(answer: qa.Answer | None) -> tuple[list[qa.Evidence], str]:
    """What to mark for ``answer``: its evidence, or a declined answer's nearest sentence (marked
    as nearest, not as evidence)."""
    if answer is None:
        return [], "qa-evidence"
    if answer.evidence:
        return answer.evidence, "qa-evidence"
    return ([answer.nearest] if answer.nearest else []), "qa-nearest"


def sources_html(answer: qa.Answer | None, k: int) -> str:
    """The first ``k`` passages of ``answer``, each with its citation and score, its evidence
    marked (a declined answer's nearest sentence marked as nearest); a hint to ask when there is
    no answer yet. The cards an answer cites are ``qa-cited`` (the page scrolls the first into
    view)."""
    if answer is None:
        return "<p>Ask a question to see its sources here.</p>"
    marks, kind = _spans(answer)
    cited = {e.passage for e in marks}
    parts = []
    for n, p in enumerate(answer.passages[:k], 1):
        spans = [(e.start, e.end) for e in marks if e.doc_id == p.doc_id]
        body = _marked(p.text, p.start, spans, kind)
        where = html.escape(rendering.passage_citation(answer, p))
        label = " · nearest passage, not evidence" if kind == "qa-nearest" and n in cited else ""
        card = "qa-source qa-cited" if n in cited else "qa-source"
        score = "" if p.score is None else f"· score {p.score:.2f} "
        parts.append(f'<div class="{card}"><div class="qa-meta"><b>[{n}] {where}</b>{label} '
                     f'{score}· characters {p.start}–{p.end}</div><p>{body}</p></div>')
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
    if answer and answer.nearest:
        return answer.nearest.doc_id
    if answer and answer.passages:
        return answer.passages[0].doc_id
    return None


def article_html(document: qa.Document, answer: qa.Answer | None) -> str:
    """The whole of ``document``, with ``answer``'s evidence in it marked in place."""
    marks, kind = _spans(answer)
    spans = [(e.start, e.end) for e in marks if e.doc_id == document.id]
    # A text that opens with its title (the bundled article does) shows it once.
    heading = "" if document.text.lstrip().startswith(document.title) else f"<h3>{html.escape(document.title)}</h3>"
    return f'<div class="qa-article">{heading}<p>{_marked(document.text, 0, spans, kind)}</p></div>'


def _about(documents: Sequence[qa.Document]) -> str:
    names = ", ".join(f"“{d.title}”" for d in documents[:3])
    more = f" and {len(documents) - 3} more" if len(documents) > 3 else ""
    return escape_markdown(names + more)


def _one_article(documents: Sequence[qa.Document], uploaded: bool) -> bool:
    """Whether the page answers from one default article (what the heading and the tab call it)."""
    return not uploaded and len(documents) == 1


def _what(documents: Sequence[qa.Document], uploaded: bool) -> str:
    if uploaded:
        return "your documents"
    return "the article" if _one_article(documents, uploaded) else f"{len(documents)} documents"


def header(documents: Sequence[qa.Document], uploaded: bool = False) -> str:
    """The page's heading (markdown): what the visitor asks about, by title."""
    return (f"## articleqa\nAsk about {_what(documents, uploaded)}: {_about(documents)}. Every answer is quoted "
            "from the text and cited; when the text does not say, the bot says so.")


def document_tab(documents: Sequence[qa.Document], uploaded: bool = False) -> str:
    """The name of the tab that shows a document: "Article" for the one default article."""
    return "Article" if _one_article(documents, uploaded) else "Document"


def placeholder(documents: Sequence[qa.Document], uploaded: bool = False) -> str:
    """The question box's placeholder: short enough for one line of a phone's question box."""
    return f"Ask about {_what(documents, uploaded)}…"


def answering_from(documents: Sequence[qa.Document]) -> str:
    """The documents tab's status line (markdown)."""
    return f"Answering from {_about(documents)}."


NOW_ANSWERING = "Now answering from"  # how the chat's turn for changed documents begins


def now_answering_from(documents: Sequence[qa.Document]) -> str:
    """What the chat says when the visitor's documents changed (markdown)."""
    return f"{NOW_ANSWERING} {_about(documents)}."


def example_questions(documents: Sequence[qa.Document], n: int = 4) -> list[str]:
    """Questions that fit the visitor's documents, from their own headings (not the article's):
    short enough to show whole on a button; for a document without headings, what it is about;
    and what they are about as a whole."""
    asked = []
    for d in documents:
        for a, b, _ in d.headings:
            heading = " ".join(d.text[a:b].split()).rstrip(":.")
            if heading.casefold() != d.title.casefold() and 2 < len(heading) <= _EXAMPLE_HEADING_CHARS:
                asked.append(f"What does it say about {heading}?")
    asked += [f"What is “{d.title}” about?" for d in documents if d.title and len(d.title) <= _EXAMPLE_HEADING_CHARS]
    if documents:  # answered by quoting their lead sentences (qa.pipeline.overview), whatever their titles
        asked.append("What is this document about?" if len(documents) == 1 else "What are these documents about?")
    return list(dict.fromkeys(asked))[:n]


def building(index: qa.Index) -> str:
    """A line while ``index``'s multilingual vectors are built, or if they could not be: what
    is answered meanwhile. Empty once they are (or were never asked for)."""
    state, progress = index.multilingual_state, index.multilingual_progress
    if state == "building" and progress is not None:
        return (f"Building the vectors for questions in other languages: {progress.done:,} of "
                f"{progress.total:,} passages. Questions in English are answered now.")
    if state == "failed" and progress is not None:
        return (f"⚠️ The vectors for questions in other languages could not be built "
                f"({escape_markdown(progress.error or '')}): those questions are answered from word matches and "
                f"the English vectors. Upload the documents again to retry.")
    return ""


def added(titles: Sequence[str], refused: Sequence[str]) -> str:
    """The status line's notice after an upload (markdown): what was added, and each file left
    out with why."""
    lines = [f"Added {escape_markdown(', '.join(f'“{t}”' for t in titles))}."] if titles else []
    lines += [f"⚠️ Not added: {escape_markdown(reason)}" for reason in refused]
    return "\n\n".join(lines) + "\n\n"


def documents_html(rows: list[list]) -> str:
    """The documents table as HTML that fits its column: the title wraps, an id breaks only after
    its dots, slashes, dashes and underscores ("harbor.txt" stays whole; one long run of letters
    does not break, and the table scrolls sideways instead), the numbers stay whole."""
    head = "".join(f"<th>{c.capitalize()}</th>" for c in DOCUMENT_COLUMNS)
    body = "".join(
        f"<tr><td>{html.escape(str(title))}</td><td class=\"qa-id\">{_breakable(str(doc_id))}</td>"
        f'<td class="qa-num">{characters:,}</td><td class="qa-num">{chunks:,}</td></tr>'
        for title, doc_id, characters, chunks in rows)
    return f'<table class="qa-documents"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def documents_table(documents: Sequence[qa.Document], manifest: dict) -> list[list]:
    """One row per document: title, id, characters, and its chunks as the index's manifest
    counts them (0 for a document the manifest does not list)."""
    counts = {s["id"]: s["chunks"] for s in manifest["sources"]}
    return [[d.title, d.id, len(d.text), counts.get(d.id, 0)] for d in documents]


def documents_json(rows: list[list]) -> list[dict]:
    """The documents table as /upload returns it: ``{"title", "id", "characters", "chunks"}``."""
    return [dict(zip(DOCUMENT_COLUMNS, row, strict=True)) for row in rows]


def _breakable(doc_id: str) -> str:
    """``doc_id`` as HTML that may break after a separator and nowhere else."""
    return re.sub(r"([./_\\-])", r"\1<wbr>", html.escape(doc_id))
