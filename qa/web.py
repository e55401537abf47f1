"""The browser chat (Gradio 6): streamed, cited answers, sources with the evidence marked,
the whole article with the evidence in place, and document upload.

Everything taken from documents is shown as text: it is HTML-escaped before it goes into
the sources panel and markdown-escaped before it goes into the chat, so a document holding
``<script>`` or ``![](http://...)`` runs and loads nothing.

The default index is loaded once and shared by every visitor. Uploads build a private
index for the visitor's session; other people keep chatting with theirs meanwhile.
"""

from __future__ import annotations

import html
import logging
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

import gradio as gr

import qa
from qa.documents import SUPPORTED_SUFFIXES

log = logging.getLogger("qa")

EXAMPLES = [
    "What did Putin say about cyber security?",
    "How many organizations are operating in the IT area?",
    "What role did IT play during the epidemic restrictions?",
    "What did Putin say Russian companies offer?",
]
UPLOAD_TYPES = list(SUPPORTED_SUFFIXES)
MAX_UPLOAD_MB = qa.Settings.max_file_bytes // (1024 * 1024)  # what a build accepts, no more
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=&:])")
_CSS = """
.qa-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
             margin-bottom: 8px; }
.qa-source .qa-meta { font-size: 0.85em; opacity: 0.75; }
.qa-source p, .qa-article p { margin: 4px 0; white-space: pre-wrap; }
mark.qa-evidence { background: #ffe066; color: #000; padding: 0 2px; border-radius: 3px; }
.qa-article { max-height: 520px; overflow-y: auto; }
"""


def escape_markdown(text: str) -> str:
    """``text`` with every markdown and HTML special character backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def chat_markdown(answer: qa.Answer) -> str:
    """The chat bubble: a declined answer is marked as such; document text is escaped."""
    if answer.abstained:
        rest = answer.text.split(". ", 1)[1] if ". " in answer.text else answer.text
        return f"⚠️ **Not found in the text.** {escape_markdown(rest)}"
    return escape_markdown(answer.text)


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
    if answer is None:
        return "<p>Ask a question to see its sources here.</p>"
    spans = {}
    for e in answer.evidence:
        spans.setdefault(e.doc_id, []).append((e.start, e.end))
    parts = []
    for n, p in enumerate(answer.passages[:k], 1):
        body = _marked(p.text, p.start, spans.get(p.doc_id, []))
        parts.append(f'<div class="qa-source"><div class="qa-meta"><b>[{n}] {html.escape(p.title)}</b> '
                     f'· score {p.score:.2f} · characters {p.start}–{p.end}</div><p>{body}</p></div>')
    return "".join(parts)


def article_html(index: qa.Index, answer: qa.Answer | None) -> str:
    """The document of the best evidence (or the first document), evidence marked in place."""
    doc_id = (answer.evidence[0].doc_id if answer and answer.evidence else
              answer.passages[0].doc_id if answer and answer.passages else index.documents[0].id)
    doc = index.document(doc_id)
    spans = [(e.start, e.end) for e in (answer.evidence if answer else []) if e.doc_id == doc_id]
    return (f'<div class="qa-article"><h3>{html.escape(doc.title)}</h3>'
            f"<p>{_marked(doc.text, 0, spans)}</p></div>")


def documents_table(index: qa.Index) -> list[list]:
    counts = {s["id"]: s["chunks"] for s in index.manifest["sources"]}
    return [[d.title, d.id, len(d.text), counts.get(d.id, 0)] for d in index.documents]


class App:
    """The shared state of one server: the default index and the visitors' upload indexes."""

    def __init__(self, index_dir: str | Path = "index", uploads_dir: str | Path | None = None,
                 max_sessions: int = 16) -> None:
        self.index_dir = Path(index_dir)
        self.default = qa.open_index(self.index_dir)
        self.default.embedder.warm_up()
        # Uploads live in a private temporary folder unless one is named; it is removed when the
        # server stops (Ctrl+C or SIGTERM, see ``serve``) or the App is garbage-collected.
        self._tmp = None if uploads_dir else tempfile.TemporaryDirectory(prefix="qa-uploads-")
        self.uploads = Path(uploads_dir or self._tmp.name)
        self._indexes: OrderedDict[str, qa.Index] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_sessions

    def index_for(self, key: str | None) -> qa.Index:
        if not key:
            return self.default
        with self._lock:
            index = self._indexes.get(key)
            if index is not None:
                self._indexes.move_to_end(key)
                return index
        index = qa.load_index(self.uploads / key / "index")  # evicted earlier: load it again
        self._remember(key, index)
        return index

    def _remember(self, key: str, index: qa.Index) -> None:
        with self._lock:
            self._indexes[key] = index
            while len(self._indexes) > self._max:
                self._indexes.popitem(last=False)

    def add_upload(self, paths: list[str]) -> str:
        """Index uploaded files into a new private folder; returns its key. Raises QAError.

        The build's tqdm progress bar shows in the page (``gr.Progress(track_tqdm=True)``).
        """
        if not paths:
            raise qa.SourceError("no file chosen: pick .txt, .md, .html or .pdf files to upload")
        key = uuid.uuid4().hex
        folder = self.uploads / key / "files"
        folder.mkdir(parents=True)
        try:
            for path in paths:
                source = Path(path)
                # Only the base name is kept: "../../x" or "/etc/x" cannot leave the folder.
                name = re.sub(r"[^\w.\- ]", "_", Path(source.name).name).lstrip(".") or "upload.txt"
                if source.suffix.lower() not in UPLOAD_TYPES:
                    raise qa.SourceError(f"{name}: unsupported file type {source.suffix or '(none)'!r}; "
                                         "upload .txt, .md, .html or .pdf")
                if source.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
                    raise qa.SourceError(f"{name} is over the {MAX_UPLOAD_MB} MB upload limit: upload a smaller file")
                shutil.copyfile(source, folder / name)
            try:
                index = qa.build_index([folder], self.uploads / key / "index", progress=True)
            except qa.SourceError as e:  # name the file as uploaded, not where the server keeps it
                raise qa.SourceError(str(e).replace(f"{folder}/", "")) from None
        except BaseException:
            shutil.rmtree(self.uploads / key, ignore_errors=True)
            raise
        self._remember(key, index)
        return key


def build_ui(app: App) -> gr.Blocks:
    # delete_cache: Gradio's copies of uploaded files are removed after an hour and at shutdown.
    with gr.Blocks(title="articleqa", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        session_index = gr.State(None)  # None: the shared default index; else an upload's key
        last_answer = gr.State(None)
        gr.Markdown("## articleqa\nAsk about the article. Every answer is quoted from the text and cited; "
                    "when the text does not say, the bot says so.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", height=460, sanitize_html=True, render_markdown=True,
                                     elem_id="qa-chat", buttons=["copy"])
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask a question about the article…", show_label=False,
                                          scale=5, elem_id="qa-question", autofocus=True)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                gr.Examples(EXAMPLES, inputs=question, label="Try")
                with gr.Accordion("Settings", open=False):
                    k = gr.Slider(1, 10, value=5, step=1, label="Passages shown as sources")
                    show_sources = gr.Checkbox(value=True, label="Show sources")
            with gr.Column(scale=2), gr.Tabs():
                with gr.Tab("Sources"):
                    sources = gr.HTML(sources_html(None, 5), elem_id="qa-sources")
                with gr.Tab("Article"):
                    article = gr.HTML(article_html(app.default, None), elem_id="qa-article")
                with gr.Tab("Documents"):
                    docs = gr.Dataframe(documents_table(app.default), headers=["Title", "Id", "Characters",
                                        "Chunks"], interactive=False, elem_id="qa-documents")
                    files = gr.File(label=f"Upload .txt, .md, .html, .pdf (up to {MAX_UPLOAD_MB} MB each)",
                                    file_count="multiple", file_types=UPLOAD_TYPES, elem_id="qa-upload")
                    with gr.Row():
                        index_btn = gr.Button("Index these documents", variant="primary", elem_id="qa-index")
                        reset_btn = gr.Button("Back to the bundled article")
                    status = gr.Markdown(f"Answering from **{escape_markdown(app.default.documents[0].title)}**.",
                                         elem_id="qa-status")

        def respond(message, history, key, n, show):
            history = list(history or [])
            try:
                index = app.index_for(key)
                answer = qa.Chatbot(index).ask(message, history)
            except qa.QAError as e:
                history += [{"role": "user", "content": message or ""},
                            {"role": "assistant", "content": f"⚠️ {escape_markdown(str(e))}"}]
                yield history, "", gr.update(), gr.update(), None
                return
            text = chat_markdown(answer)
            history += [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
            words = text.split(" ")
            for end in range(0, len(words), 4):
                history[-1] = {"role": "assistant", "content": " ".join(words[:end + 4])}
                yield history, "", gr.update(), gr.update(), None
                time.sleep(0.02)
            panel = sources_html(answer, int(n)) if show else "<p>Sources are hidden (see Settings).</p>"
            yield history, "", panel, article_html(index, answer), answer

        chat_inputs = [question, chatbot, session_index, k, show_sources]
        chat_outputs = [chatbot, question, sources, article, last_answer]
        question.submit(respond, chat_inputs, chat_outputs, api_visibility="private")
        send.click(respond, chat_inputs, chat_outputs, api_visibility="private")

        def chat_api(message: str, key: str | None) -> str:
            """Answer one question; returns the answer text with its [n] citations."""
            try:
                return qa.Chatbot(app.index_for(key)).ask(message).text
            except qa.QAError as e:
                raise gr.Error(str(e), print_exception=False) from e  # a user error, not a bug

        api_question, api_answer = gr.Textbox(visible=False), gr.Textbox(visible=False)
        api_question.submit(chat_api, [api_question, session_index], api_answer, api_name="chat")

        def upload(paths, progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - Gradio's API
            try:
                key = app.add_upload(list(paths or []))
            except qa.QAError as e:
                # The visitor keeps the index they had.
                return gr.update(), gr.update(), f"⚠️ **Upload failed:** {escape_markdown(str(e))}", gr.update()
            index = app.index_for(key)
            names = ", ".join(d.title for d in index.documents)
            return (key, documents_table(index), f"Answering from your documents: **{escape_markdown(names)}**.",
                    article_html(index, None))

        index_btn.click(upload, files, [session_index, docs, status, article], api_name="upload",
                        concurrency_limit=1)

        def reset():
            return (None, documents_table(app.default),
                    f"Answering from **{escape_markdown(app.default.documents[0].title)}**.",
                    article_html(app.default, None))

        reset_btn.click(reset, None, [session_index, docs, status, article], api_name="reset")
    return demo


def serve(index_dir: str | Path = "index", host: str = "127.0.0.1", port: int = 7860,
          *, block: bool = True) -> gr.Blocks:
    """Start the chat server (loopback by default, no share link, no analytics)."""
    app = App(index_dir)
    demo = build_ui(app)
    if block and threading.current_thread() is threading.main_thread():
        # SIGTERM (systemd, docker stop, kill) closes the server like Ctrl+C does, so that the
        # process exits normally and the temporary upload folder is removed.
        signal.signal(signal.SIGTERM, _interrupt)
    demo.queue(default_concurrency_limit=4, max_size=256)
    demo.launch(server_name=host, server_port=port, share=False, show_error=False, quiet=not block,
                max_file_size=f"{MAX_UPLOAD_MB}mb", prevent_thread_lock=not block, css=_CSS,
                footer_links=["api"])
    return demo


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
