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
import uuid
from collections import OrderedDict
from pathlib import Path

import gradio as gr

import qa
from qa import rendering
from qa.ingest.documents import KINDS, SUPPORTED_SUFFIXES
from qa.models.language import detect as detect_language
from qa.rendering import escape_markdown

log = logging.getLogger("qa")

EXAMPLES = [
    "What did Putin say about cyber security?",
    "How many organizations are operating in the IT area?",
    "What role did IT play during the epidemic restrictions?",
    "What did Putin say Russian companies offer?",
    "Что Путин сказал о цифровизации?",  # questions in other languages are answered too
]
UPLOAD_TYPES = list(SUPPORTED_SUFFIXES)
MAX_UPLOAD_MB = qa.Settings.max_file_bytes // (1024 * 1024)  # what a build accepts, no more
_KEY = re.compile(r"[0-9a-f]{32}")  # an upload's key: uuid4().hex
SESSION_HOURS = 6  # an upload is kept at most this long after its session last changed it
_ECHO_CHARS = 300  # characters of a question echoed into the chat
_HIDDEN = "<p>Sources are hidden (see Settings).</p>"
_UPLOAD_API = ("Index .txt, .md, .html, .htm, .pdf or .docx files into a private index and return its key, e.g. "
               "client.predict([handle_file('notes.txt')], api_name='/upload') gives "
               "{'upload_key': '3f2a…', 'documents': [{'title': 'Notes', 'id': 'notes', 'characters': 812, "
               "'chunks': 3}]}; pass upload_key to /chat. A bad file raises an error that says why; a new "
               "upload from the same client replaces its last one, and the files go when its session ends.")
_CSS = """
.qa-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
             margin-bottom: 8px; }
.qa-source .qa-meta { font-size: 0.85em; opacity: 0.75; }
.qa-source p, .qa-article p { margin: 4px 0; white-space: pre-wrap; }
mark.qa-evidence { background: #ffe066; color: #000; padding: 0 2px; border-radius: 3px; }
.qa-article { max-height: 520px; overflow-y: auto; }
"""
# Gradio hides the footer's "Use via API" below 640 px; the API is as useful from a phone. (In
# the page's head: Gradio scopes ``css`` to the app's content, which the footer is not part of.)
_HEAD = "<style>@media (max-width: 640px) { footer .show-api { display: flex !important; } }</style>"


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
        where = html.escape(rendering.passage_citation(answer, p))
        parts.append(f'<div class="qa-source"><div class="qa-meta"><b>[{n}] {where}</b> '
                     f'· score {p.score:.2f} · characters {p.start}–{p.end}</div><p>{body}</p></div>')
    return "".join(parts)


def article_html(index: qa.Index, answer: qa.Answer | None) -> str:
    """The document of the best evidence (or the first document), evidence marked in place."""
    doc_id = (answer.evidence[0].doc_id if answer and answer.evidence else
              answer.passages[0].doc_id if answer and answer.passages else index.documents[0].id)
    doc = index.document(doc_id)
    spans = [(e.start, e.end) for e in (answer.evidence if answer else []) if e.doc_id == doc_id]
    # A text that opens with its title (the bundled article does) shows it once.
    heading = "" if doc.text.lstrip().startswith(doc.title) else f"<h3>{html.escape(doc.title)}</h3>"
    return f'<div class="qa-article">{heading}<p>{_marked(doc.text, 0, spans)}</p></div>'


# The article panel scrolls itself: the first highlight is brought into its visible area
# whenever the panel is refreshed or its tab is opened.
_SCROLL_TO_EVIDENCE = """() => { setTimeout(() => {
  const mark = document.querySelector('#qa-article mark.qa-evidence');
  const box = document.querySelector('#qa-article .qa-article');
  if (mark && box) { box.scrollTop = mark.offsetTop - box.offsetTop - box.clientHeight / 3; }
}, 50); }"""


def _about(index: qa.Index) -> str:
    docs = index.documents
    names = ", ".join(f"“{d.title}”" for d in docs[:3]) + (f" and {len(docs) - 3} more" if len(docs) > 3 else "")
    return escape_markdown(names)


def _what(index: qa.Index, uploaded: bool) -> str:
    if uploaded:
        return "your documents"
    return "the article" if len(index.documents) == 1 else f"{len(index.documents)} documents"


def _header(index: qa.Index, uploaded: bool = False) -> str:
    return (f"## articleqa\nAsk about {_what(index, uploaded)}: {_about(index)}. Every answer is quoted from "
            "the text and cited; when the text does not say, the bot says so.")


def _placeholder(index: qa.Index, uploaded: bool = False) -> str:
    return f"Ask a question about {_what(index, uploaded)}…"


def _answering_from(index: qa.Index) -> str:
    return f"Answering from {_about(index)}."


def example_questions(index: qa.Index, n: int = 4) -> list[str]:
    """Questions that fit the visitor's documents, from their own headings and titles (not the
    article's)."""
    asked = [f"What does {d.title} say about {d.text[a:b]}?" for d in index.documents
             for a, b, _ in d.headings if d.text[a:b].casefold() != d.title.casefold()]
    asked += [f"What is {d.title} about?" for d in index.documents if d.title]
    return list(dict.fromkeys(asked))[:n]


def documents_table(index: qa.Index) -> list[list]:
    counts = {s["id"]: s["chunks"] for s in index.manifest["sources"]}
    return [[d.title, d.id, len(d.text), counts.get(d.id, 0)] for d in index.documents]


def safe_name(name: str) -> str:
    """A file name that stays in its folder: the last path part of ``name`` ("../../x",
    "/etc/x", "..\\x" give "x"), other characters than letters, digits, ``.-_`` and spaces
    replaced, no leading dot."""
    base = re.split(r"[/\\]", name)[-1]
    return re.sub(r"[^\w.\- ]", "_", base).lstrip(".") or "upload.txt"


class App:
    """The shared state of one server: the default index and the visitors' upload indexes."""

    def __init__(self, index_dir: str | Path = "index", uploads_dir: str | Path | None = None,
                 max_sessions: int = 16) -> None:
        self.index_dir = Path(index_dir)
        self.default = qa.open_index(self.index_dir)
        self.default.embedder.warm_up()
        self.default.dense("ru")[1].warm_up()  # the multilingual model, if the index has its vectors
        detect_language("warm up")
        self.answerer = qa.ReaderAnswerer()
        self.answerer.reader.warm_up()
        # Uploads live in a private temporary folder unless one is named; it is removed when the
        # server stops (Ctrl+C or SIGTERM, see ``serve``) or the App is garbage-collected.
        self._tmp = None if uploads_dir else tempfile.TemporaryDirectory(prefix="qa-uploads-")
        self.uploads = Path(uploads_dir or self._tmp.name)
        self._indexes: OrderedDict[str, qa.Index] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_sessions

    def bot(self, key: str | None) -> qa.Chatbot:
        """The chatbot over the visitor's index (``key``: an upload's, else the default)."""
        return qa.Chatbot(self.index_for(key), answerer=self.answerer)

    def index_for(self, key: str | None) -> qa.Index:
        if not key:
            return self.default
        with self._lock:
            index = self._indexes.get(key)
            if index is not None:
                self._indexes.move_to_end(key)
                return index
        folder = self.uploads / key / "index"
        if not _KEY.fullmatch(key) or not folder.is_dir():  # a key is ours, never a path
            raise qa.QAError(f"no upload {key[:40]!r} on this server (it expired or never was): upload again")
        index = qa.load_index(folder)  # evicted from memory earlier: load it again
        self._remember(key, index)
        return index

    def forget(self, key: str | None) -> None:
        """Remove an upload's files and index (a session ended, or the visitor moved on)."""
        if not key or not _KEY.fullmatch(key):
            return
        with self._lock:
            self._indexes.pop(key, None)
        shutil.rmtree(self.uploads / key, ignore_errors=True)

    def _remember(self, key: str, index: qa.Index) -> None:
        with self._lock:
            self._indexes[key] = index
            while len(self._indexes) > self._max:
                self._indexes.popitem(last=False)

    def add_upload(self, paths: list[str], multilingual: bool = True) -> str:
        """Index uploaded files into a new private folder; returns its key. Raises QAError.

        ``multilingual``: with the vectors for questions in other languages (about 7× the
        build time). The build's tqdm progress bar shows in the page
        (``gr.Progress(track_tqdm=True)``).
        """
        if not paths:
            raise qa.SourceError(f"no file chosen: pick {KINDS} files to upload")
        key = uuid.uuid4().hex
        folder = self.uploads / key / "files"
        folder.mkdir(parents=True)
        try:
            for path in paths:
                source = Path(path)
                name = safe_name(source.name)
                if source.suffix.lower() not in UPLOAD_TYPES:
                    raise qa.SourceError(f"{name}: unsupported file type {source.suffix or '(none)'!r}; "
                                         f"upload {KINDS}")
                if source.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
                    raise qa.SourceError(f"{name} is over the {MAX_UPLOAD_MB} MB upload limit: upload a smaller file")
                shutil.copyfile(source, folder / name)
            try:
                index = qa.build_index([folder], self.uploads / key / "index", progress=True,
                                       settings=qa.Settings(multilingual=multilingual))
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
        # None: the shared default index; else an upload's key. Its files go when the visitor's
        # session does (Gradio deletes a session's state an hour after the tab closes) or
        # after SESSION_HOURS, so a server left up does not keep every visitor's documents.
        session_index = gr.State(None, time_to_live=SESSION_HOURS * 3600, delete_callback=app.forget)
        last_answer = gr.State(None)
        header = gr.Markdown(_header(app.default), elem_id="qa-header")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", show_label=False, height=460, sanitize_html=True,
                                     render_markdown=True, elem_id="qa-chat", buttons=["copy"])
                with gr.Row():
                    question = gr.Textbox(placeholder=_placeholder(app.default), show_label=False,
                                          scale=5, elem_id="qa-question", autofocus=True)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                examples = gr.Examples(EXAMPLES, inputs=question, label="Try", elem_id="qa-examples")
            with gr.Column(scale=2):
                with gr.Tabs():
                    with gr.Tab("Sources"):
                        sources = gr.HTML(sources_html(None, 5), elem_id="qa-sources")
                    with gr.Tab("Article") as article_tab:
                        article = gr.HTML(article_html(app.default, None), elem_id="qa-article")
                    with gr.Tab("Documents"):
                        docs = gr.Dataframe(documents_table(app.default), headers=["Title", "Id", "Characters",
                                            "Chunks"], interactive=False, elem_id="qa-documents")
                        multilingual = gr.Checkbox(
                            value=True, elem_id="qa-multilingual",
                            label="Also answer questions in other languages (indexing takes about 7× longer)")
                        files = gr.File(label=f"Upload {', '.join(UPLOAD_TYPES)} (up to {MAX_UPLOAD_MB} MB each)",
                                        file_count="multiple", file_types=UPLOAD_TYPES, elem_id="qa-upload")
                        with gr.Row():
                            index_btn = gr.Button("Index these documents", variant="primary", elem_id="qa-index")
                            reset_btn = gr.Button("Back to the bundled article")
                        status = gr.Markdown(_answering_from(app.default), elem_id="qa-status")
                # Below the evidence: on a phone the columns stack, and the tabs come right after the chat.
                with gr.Accordion("Settings", open=False):
                    k = gr.Slider(1, 10, value=5, step=1, label="Passages shown as sources")
                    show_sources = gr.Checkbox(value=True, label="Show sources")

        def respond(message, history, key, n, show):
            history = list(history or [])
            # The visitor's own words are shown as text (escaped), and a long paste is echoed short.
            shown = (message or "").strip()
            shown = escape_markdown(shown if len(shown) <= _ECHO_CHARS else shown[:_ECHO_CHARS] + "…")
            asked = [{"role": "user", "content": shown}] if shown else []
            try:
                bot = app.bot(key)
                answer = bot.ask(message, history)
            except qa.QAError as e:
                history += [*asked, {"role": "assistant", "content": f"⚠️ {escape_markdown(str(e))}"}]
                return history, "", gr.update(), gr.update(), None
            # The answer is read whole (a span of the documents), so it is shown whole: nothing
            # is produced word by word that a stream could show sooner.
            history += [*asked, {"role": "assistant", "content": rendering.markdown(answer)}]
            panel = sources_html(answer, int(n)) if show else _HIDDEN
            return history, "", panel, article_html(bot.index, answer), answer

        chat_inputs = [question, chatbot, session_index, k, show_sources]
        chat_outputs = [chatbot, question, sources, article, last_answer]
        for trigger in (question.submit, send.click):
            trigger(respond, chat_inputs, chat_outputs, api_visibility="private").then(
                None, js=_SCROLL_TO_EVIDENCE)
        article_tab.select(None, js=_SCROLL_TO_EVIDENCE)

        def chat(question: str, upload_key: str = "") -> str:
            """Answer a question from the bundled article, or from the documents of an upload.

            Args:
                question: the question, e.g. "What did Putin say about cyber security?".
                upload_key: what /upload returned; empty for the bundled article.

            Returns:
                The answer: the short answer, the quoted sentence and its [n] citation, or
                "The article does not say. ...".
            """
            try:
                return rendering.plain(app.bot(upload_key or None).ask(question))
            except qa.QAError as e:
                raise gr.Error(str(e), print_exception=False) from e  # a user error, not a bug

        gr.api(chat, api_name="chat")

        def page_for(index: qa.Index, key: str | None, notice: str = ""):
            """What names the documents on the page: the table, status, header, placeholder, examples."""
            questions = EXAMPLES if key is None else example_questions(index)
            uploaded = key is not None
            return (key, documents_table(index), notice + _answering_from(index), article_html(index, None),
                    _header(index, uploaded), gr.update(placeholder=_placeholder(index, uploaded)),
                    gr.Dataset(samples=[[q] for q in questions]))

        def upload_from_page(paths, old_key, multilingual_too=True,
                             progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - Gradio's API
            try:
                key = app.add_upload(list(paths or []), multilingual=bool(multilingual_too))
            except qa.QAError as e:
                # The visitor keeps the index they had, and the page says which it is.
                notice = f"⚠️ Upload failed: {escape_markdown(str(e))}\n\n"
                return page_for(app.index_for(old_key), old_key, notice)
            app.forget(old_key)  # the documents this visitor answered from before
            return page_for(app.index_for(key), key)

        page = [session_index, docs, status, article, header, question, examples.dataset]
        one_build = {"concurrency_limit": 1, "concurrency_id": "upload", "show_progress_on": files}
        upload_inputs = [files, session_index, multilingual]
        index_btn.click(upload_from_page, upload_inputs, page, api_visibility="private", **one_build)
        # Choosing files indexes them at once: no extra button to find on a phone.
        files.upload(upload_from_page, upload_inputs, page, api_visibility="private", **one_build)

        # The API's upload: files in, the key that /chat takes back and the documents out. Its
        # own two hidden components, so that the API page names them instead of the page's.
        api_files = gr.File(label="files", file_count="multiple", file_types=UPLOAD_TYPES, visible=False)
        api_upload_result = gr.JSON(label="upload", visible=False)
        api_upload_btn = gr.Button(visible=False)

        def upload_documents(files, old_key):
            try:
                key = app.add_upload(list(files or []))
            except qa.QAError as e:
                raise gr.Error(str(e), print_exception=False) from e
            app.forget(old_key)  # as on the page: a client's session holds one upload, removed with it
            documents = [dict(zip(("title", "id", "characters", "chunks"), row, strict=True))
                         for row in documents_table(app.index_for(key))]
            return {"upload_key": key, "documents": documents}, key

        api_upload_btn.click(upload_documents, [api_files, session_index], [api_upload_result, session_index],
                             api_name="upload",
                             api_description=_UPLOAD_API, concurrency_limit=1, concurrency_id="upload")

        def reset(old_key):
            app.forget(old_key)
            return page_for(app.default, None)

        show_sources.change(lambda show, answer, n: sources_html(answer, int(n)) if show else _HIDDEN,
                            [show_sources, last_answer, k], sources, api_visibility="private")
        reset_btn.click(reset, session_index, page, api_visibility="private")
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
                max_file_size=f"{MAX_UPLOAD_MB}mb", prevent_thread_lock=not block, css=_CSS, head=_HEAD, theme=_theme(),
                footer_links=["api"])
    return demo


def _theme() -> gr.themes.Base:
    """Gradio's default look in the system's own fonts: the default theme fetches IBM Plex from
    Google Fonts, which an offline machine cannot, and its bold then comes from another font."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial",
                                   "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"])


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
