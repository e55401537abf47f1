"""The chat page's Gradio components and the wiring of their events to ``state``.

Each handler here is thin: it passes the components' values to a method of ``state.App`` and
turns what comes back into Gradio's updates, and a ``qa.QAError`` into ``gr.Error``.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import gradio as gr

import qa
from qa.apps.web import panels
from qa.apps.web.state import MAX_UPLOAD_MB, SESSION_HOURS, UPLOAD_TYPES, App, Page

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
# The article panel scrolls itself: the first highlight is brought into its visible area
# whenever the panel is refreshed or its tab is opened.
_SCROLL_TO_EVIDENCE = """() => { setTimeout(() => {
  const mark = document.querySelector('#qa-article mark.qa-evidence');
  const box = document.querySelector('#qa-article .qa-article');
  if (mark && box) { box.scrollTop = mark.offsetTop - box.offsetTop - box.clientHeight / 3; }
}, 50); }"""


def _updates(page: Page) -> tuple:
    """``page`` as the updates of [session_index, docs, status, article, header, question, examples]."""
    return (page.key, page.documents, page.status, page.article, page.header,
            gr.update(placeholder=page.placeholder), gr.Dataset(samples=[[q] for q in page.examples]))


def build_ui(app: App) -> gr.Blocks:
    """The chat page over ``app``: the chat, the sources, article and documents tabs, settings,
    and the /chat and /upload API endpoints."""
    first = app.page(None)
    # delete_cache: Gradio's copies of uploaded files are removed after an hour and at shutdown.
    with gr.Blocks(title="articleqa", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        # None: the shared default index; else an upload's key. Its files go when the visitor's
        # session does (Gradio deletes a session's state an hour after the tab closes) or
        # after SESSION_HOURS, so a server left up does not keep every visitor's documents.
        session_index = gr.State(None, time_to_live=SESSION_HOURS * 3600, delete_callback=app.forget)
        last_answer = gr.State(None)
        header = gr.Markdown(first.header, elem_id="qa-header")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Chat", show_label=False, height=460, sanitize_html=True,
                                     render_markdown=True, elem_id="qa-chat", buttons=["copy"])
                with gr.Row():
                    question = gr.Textbox(placeholder=first.placeholder, show_label=False,
                                          scale=5, elem_id="qa-question", autofocus=True)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                examples = gr.Examples(first.examples, inputs=question, label="Try", elem_id="qa-examples")
            with gr.Column(scale=2):
                with gr.Tabs():
                    with gr.Tab("Sources"):
                        sources = gr.HTML(panels.sources_html(None, 5), elem_id="qa-sources")
                    with gr.Tab("Article") as article_tab:
                        article = gr.HTML(first.article, elem_id="qa-article")
                    with gr.Tab("Documents"):
                        docs = gr.Dataframe(first.documents, headers=["Title", "Id", "Characters", "Chunks"],
                                            interactive=False, elem_id="qa-documents")
                        multilingual = gr.Checkbox(
                            value=True, elem_id="qa-multilingual",
                            label="Also answer questions in other languages (indexing takes about 7× longer)")
                        files = gr.File(label=f"Upload {', '.join(UPLOAD_TYPES)} (up to {MAX_UPLOAD_MB} MB each)",
                                        file_count="multiple", file_types=UPLOAD_TYPES, elem_id="qa-upload")
                        with gr.Row():
                            index_btn = gr.Button("Index these documents", variant="primary", elem_id="qa-index")
                            reset_btn = gr.Button("Back to the bundled article")
                        status = gr.Markdown(first.status, elem_id="qa-status")
                # Below the evidence: on a phone the columns stack, and the tabs come right after the chat.
                with gr.Accordion("Settings", open=False):
                    k = gr.Slider(1, 10, value=5, step=1, label="Passages shown as sources")
                    show_sources = gr.Checkbox(value=True, label="Show sources")

        def respond(message, history, key, n, show):
            reply = app.reply(message, history, key, n, show)
            keep = gr.update()  # a refused question leaves the sources and the article as they were
            return (reply.history, "", keep if reply.sources is None else reply.sources,
                    keep if reply.article is None else reply.article, reply.answer)

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
                return app.answer_text(question, upload_key)
            except qa.QAError as e:
                raise gr.Error(str(e), print_exception=False) from e  # a user error, not a bug

        gr.api(chat, api_name="chat")

        def upload_from_page(paths, old_key, multilingual_too=True,
                             progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - Gradio's API
            return _updates(app.upload_from_page(paths, old_key, multilingual_too))

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
                return app.upload_from_api(files, old_key)
            except qa.QAError as e:
                raise gr.Error(str(e), print_exception=False) from e

        api_upload_btn.click(upload_documents, [api_files, session_index], [api_upload_result, session_index],
                             api_name="upload",
                             api_description=_UPLOAD_API, concurrency_limit=1, concurrency_id="upload")

        show_sources.change(lambda show, answer, n: panels.sources_panel(answer, n, show),
                            [show_sources, last_answer, k], sources, api_visibility="private")

        def reset(old_key):
            return _updates(app.reset(old_key))

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
