"""The chat page's Gradio components and the wiring of their events to ``state``.

Each handler here is thin: it passes the components' values to a method of ``state.App`` and
turns what comes back into Gradio's updates, and a ``qa.QAError`` into ``gr.Error``.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from pathlib import Path

import gradio as gr

import qa
from qa.apps.web import panels
from qa.apps.web.state import MAX_UPLOAD_MB, SESSION_HOURS, UPLOAD_TYPES, App, Page, documents_turn

_UPLOAD_API = ("Add .txt, .md, .html, .htm, .pdf or .docx files to this client's private index (its first upload "
               "makes one) and return its key and every document it holds, e.g. "
               "client.predict([handle_file('report.pdf')], api_name='/upload') gives {'upload_key': '3f2a…', "
               "'documents': [{'title': 'Annual report', 'id': 'report.pdf', 'characters': 81234, 'chunks': 95}]}; "
               "pass upload_key to /chat. A file named as one already uploaded replaces it. A bad file refuses "
               "the call with an error that says why, and the client keeps the documents it had. The files go "
               "when the client's session ends, or with /reset.")
_REMOVE_API = ("Remove one document (its id, as /upload lists it) from this client's upload; returns what is left, "
               "as /upload does. Removing the last one returns to the bundled article (upload_key '').")
_RESET_API = ("Start over with the bundled article: this client's uploaded documents are removed. Returns "
              "{'upload_key': '', 'documents': [the bundled article]}.")
_FILES_API = "Local files to index, each with handle_file('path/to/file.pdf'); up to {mb} MB each."
_CHAT_PARAMETERS = {
    "question": "The question, in any language, e.g. 'What did Putin say about cyber security?'.",
    "upload_key": "What /upload returned; empty for the bundled article.",
}
_CSS = """
.qa-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
             margin-bottom: 8px; }
.qa-source.qa-cited { border-color: #d4a800; }
.qa-source.qa-cited:has(mark.qa-nearest) { border-color: #5a6fa8; }
.qa-source .qa-meta { font-size: 0.85em; opacity: 0.75; }
.qa-source p, .qa-article p { margin: 4px 0; white-space: pre-wrap; }
mark.qa-evidence { background: #ffe066; color: #000; padding: 0 2px; border-radius: 3px; }
mark.qa-nearest { background: #e8eefc; color: #000; padding: 0 2px; border-radius: 3px;
                  text-decoration: underline dashed #5a6fa8; }
#qa-sources, .qa-article { max-height: 520px; overflow-y: auto !important; }
table.qa-documents { width: 100%; table-layout: auto; border-collapse: collapse; font-size: 0.9em; }
table.qa-documents th, table.qa-documents td { padding: 4px 6px; text-align: left; vertical-align: top;
                                              border-bottom: 1px solid var(--border-color-primary); }
table.qa-documents td { overflow-wrap: anywhere; }
table.qa-documents td.qa-id { overflow-wrap: normal; }
#qa-documents { overflow-x: auto; }
table.qa-documents .qa-num, table.qa-documents th:nth-child(n+3) { text-align: right; white-space: nowrap; }
/* The chat's own buttons (clear) in a row of their own, not over the first message. */
#qa-chat .icon-button-wrapper.top-panel { position: static; justify-content: flex-end; margin: 0 0 4px auto; }
#qa-chat > .wrapper { display: flex; flex-direction: column; }
#qa-chat .bubble-wrap { flex: 1 1 auto; min-height: 0; }
@media (max-width: 640px) {
  /* A phone stacks the page: the answer, the box to ask in, then its evidence; the example
     questions and the settings after them. */
  #qa-main { flex-direction: column; flex-wrap: nowrap; }
  #qa-main > *, #qa-chat-column > * { flex: none !important; min-width: 0 !important; width: 100%; }
  #qa-chat-column { display: contents; }
  #qa-chat { order: 1; }
  #qa-ask-row { order: 2; }
  #qa-evidence-column { order: 3; }
  #qa-examples { order: 4; }
  #qa-sources, .qa-article { max-height: 60vh; }
}
"""
# In the page's head (Gradio scopes ``css`` to the app's content, which the footer is not part
# of): Gradio hides the footer's "Use via API" below 640 px, and the API is as useful from a
# phone. The script refuses a file over the upload limit before it is sent, with the same
# words as the server (Gradio's own refusal is a pop-up that vanishes, then a bare "Error").
_HEAD = """<style>@media (max-width: 640px) { footer .show-api { display: flex !important; } }
#qa-status.qa-refusing > :not(.qa-refused) { display: none !important; }</style>
<script>
(() => {
  const limit = %(bytes)d;
  // The reason stands in the status box, in an element of its own (Gradio's own content is
  // hidden, never edited, so that it still updates), until Gradio next changes the status.
  const clear = () => {
    const status = document.querySelector("#qa-status");
    if (!status) return;
    status.querySelectorAll(":scope > .qa-refused").forEach((own) => own.remove());
    status.classList.remove("qa-refusing");
  };
  const notice = (text) => {
    const status = document.querySelector("#qa-status");
    if (!status) return;
    let own = status.querySelector(":scope > .qa-refused");
    if (!own) {
      own = document.createElement("div");
      own.className = "qa-refused prose";
      status.prepend(own);
    }
    own.textContent = text;
    status.classList.add("qa-refusing");
    const watch = new MutationObserver((records) => {
      if (records.every((r) => own.contains(r.target) || r.target === status)) return;
      own.remove();
      status.classList.remove("qa-refusing");
      watch.disconnect();
    });
    watch.observe(status, {subtree: true, childList: true, characterData: true});
  };
  const refuse = (files, event) => {
    const big = Array.from(files || []).filter((f) => f.size > limit);
    if (!big.length) {  // files that fit: the last refusal goes, even if the status comes back unchanged
      if (files && files.length) clear();
      return;
    }
    event.stopImmediatePropagation();
    event.preventDefault();
    if (event.target && event.target.value) event.target.value = "";
    const whole = files.length > big.length ? " (nothing of this selection was uploaded)" : "";
    notice(big.map((f) =>
      `⚠️ Upload failed: ${f.name} is over the %(mb)d MB upload limit: upload a smaller file`).join(" ") + whole);
  };
  const inUpload = (event) => event.target && event.target.closest && event.target.closest("#qa-upload");
  document.addEventListener("change", (e) => { if (inUpload(e) && e.target.files) refuse(e.target.files, e); }, true);
  document.addEventListener("drop", (e) => {
    if (inUpload(e) && e.dataTransfer) refuse(e.dataTransfer.files, e);
  }, true);
})();
</script>"""
# The sources and article panels scroll themselves: the first cited card (and in the article
# the first highlight) is brought into view whenever they are refreshed or the tab is opened.
# After an answer on a narrow screen, where the evidence sits below the chat, the page shows the
# answer's beginning instead: it is what to read first (the sources box is scrolled all the same).
_SCROLL = """() => { const afterAnswer = AFTER_ANSWER; setTimeout(() => {
  const card = document.querySelector('#qa-sources .qa-cited');
  const sources = document.querySelector('#qa-sources');
  const column = document.querySelector('#qa-evidence-column');
  const chat = document.querySelector('#qa-chat');
  const below = afterAnswer && column && chat
    && column.getBoundingClientRect().top >= chat.getBoundingClientRect().bottom - 1;
  const answers = document.querySelectorAll('#qa-chat .message');
  const answer = answers.length ? answers[answers.length - 1] : null;
  if (afterAnswer && answer) {  // the answer whole, or, taller than the chat box, from its start
    let box = answer.parentElement;
    const scrolls = (el) => el.scrollHeight > el.clientHeight && /auto|scroll/.test(getComputedStyle(el).overflowY);
    while (box && box !== chat && !scrolls(box)) { box = box.parentElement; }
    if (box && box !== chat) {
      const a = answer.getBoundingClientRect(), b = box.getBoundingClientRect();
      if (a.top < b.top || a.height >= b.height) { box.scrollTop += a.top - b.top; }
      else if (a.bottom > b.bottom) { box.scrollTop += a.bottom - b.bottom; }
    }
  }
  if (card && sources) {
    sources.scrollTop = card.offsetTop - sources.offsetTop;
    const shown = below ? answer : card;
    const r = shown ? shown.getBoundingClientRect() : null;
    if (r && (r.top < 0 || r.top > window.innerHeight - 80)) {
      shown.scrollIntoView({block: below ? 'start' : 'nearest'});
    }
  }
  const mark = document.querySelector('#qa-article mark.qa-evidence, #qa-article mark.qa-nearest');
  const box = document.querySelector('#qa-article .qa-article');
  if (mark && box) { box.scrollTop = mark.offsetTop - box.offsetTop - box.clientHeight / 3; }
}, 50); }"""
# After the documents changed, the chat box (not the page: on a phone the visitor stays on the
# documents tab) is scrolled to its end, where it says what it answers from now.
_SHOW_CHAT_END = """() => { setTimeout(() => {
  const chat = document.querySelector('#qa-chat');
  const turns = document.querySelectorAll('#qa-chat .message');
  let box = turns.length ? turns[turns.length - 1].parentElement : null;
  const scrolls = (el) => el.scrollHeight > el.clientHeight && /auto|scroll/.test(getComputedStyle(el).overflowY);
  while (box && box !== chat && !scrolls(box)) { box = box.parentElement; }
  if (box && box !== chat) { box.scrollTop = box.scrollHeight; }
}, 50); }"""
_SCROLL_AFTER_ANSWER = _SCROLL.replace("AFTER_ANSWER", "true")
_SCROLL_TO_EVIDENCE = _SCROLL.replace("AFTER_ANSWER", "false")


def _described(component: gr.components.Component, label: str, text: str, example: object = None) -> None:
    """Name ``component`` on the API page, say what it takes and give an example of it, instead
    of Gradio's generic "the input value that is provided in the '1st' Api component" and its
    examples ("Hello!!", a file fetched from GitHub, which an offline user cannot)."""
    info = {**component.api_info(), "additional_description": text}
    component.label = label
    component.api_info = lambda: info  # both read per component when the API page is made
    if example is not None:
        component.example_payload = lambda: example


def _describe_endpoint(demo: gr.Blocks, api_name: str, parameters: dict[str, str], returns: tuple[str, str]) -> None:
    """Name and describe a ``gr.api`` endpoint's parameters and its return value."""
    [fn] = [f for f in demo.fns.values() if f.api_name == api_name]
    for component, (name, text) in zip(fn.inputs, parameters.items(), strict=True):
        _described(component, name, text)
    [output] = fn.outputs
    _described(output, *returns)


def _first_id(page: Page) -> str | None:
    return page.shown[0][1] if page.shown else None


def build_ui(app: App) -> gr.Blocks:
    """The chat page over ``app``: the chat, the sources, article and documents tabs, settings,
    and the /chat, /upload, /remove and /reset API endpoints. Served while ``app`` still loads its
    models: the question box opens when they are ready."""
    first = app.page(None)
    # delete_cache: Gradio's copies of uploaded files are removed after an hour and at shutdown.
    with gr.Blocks(title="articleqa", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        # None: the shared default index; else an upload's key. Its files go when the visitor's
        # session does (Gradio deletes a session's state an hour after the tab closes) or
        # after SESSION_HOURS, so a server left up does not keep every visitor's documents.
        session_index = gr.State(None, time_to_live=SESSION_HOURS * 3600, delete_callback=_in_a_thread(app.forget))
        last_answer = gr.State(None)
        header = gr.Markdown(first.header, elem_id="qa-header")
        # While the visitor's documents get their multilingual vectors (after an upload answers
        # English): how far, refreshed by the timer below.
        building = gr.Markdown(first.building, elem_id="qa-building")
        timer = gr.Timer(2, active=first.building_now)  # ticks only while they are being built
        with gr.Row(elem_id="qa-main"):
            with gr.Column(scale=3, elem_id="qa-chat-column"):
                # Each turn its own bubble: a warning after an answer stands on its own.
                # Not Gradio's autoscroll to the chat's end: that cut a long answer's beginning off
                # (_SCROLL_AFTER_ANSWER shows an answer whole, or from its start).
                chatbot = gr.Chatbot(label="Chat", show_label=False, height=460, sanitize_html=True, autoscroll=False,
                                     render_markdown=True, elem_id="qa-chat", buttons=["copy"],
                                     group_consecutive_messages=False)
                with gr.Row(elem_id="qa-ask-row"):
                    question = gr.Textbox(placeholder=first.placeholder, show_label=False, scale=5,
                                          elem_id="qa-question", autofocus=True, interactive=first.ready)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask", interactive=first.ready)
                # Not ``gr.Examples``: a click on one puts back the question box's properties as
                # the page was built (closed, "Loading the models…" while they loaded then).
                examples = gr.Dataset(components=[question], samples=[[q] for q in first.examples], label="Try",
                                      elem_id="qa-examples", type="values", visible=bool(first.examples))
            with gr.Column(scale=2, elem_id="qa-evidence-column"):
                with gr.Tabs(elem_id="qa-evidence-tabs") as tabs:
                    with gr.Tab("Sources", id="sources") as sources_tab:
                        sources = gr.HTML(panels.sources_html(None, 5), elem_id="qa-sources")
                    with gr.Tab("Article", id="article") as article_tab:
                        # Which of several documents to read (the last answer's is shown by itself).
                        article_choice = gr.Dropdown(choices=list(first.shown), value=_first_id(first),
                                                     visible=len(first.shown) > 1, label="Show",
                                                     elem_id="qa-article-choice")
                        article = gr.HTML(first.article, elem_id="qa-article")
                    with gr.Tab("Documents", id="documents") as documents_tab:
                        status = gr.Markdown(first.status, elem_id="qa-status")
                        docs = gr.HTML(panels.documents_html(first.documents), elem_id="qa-documents")
                        with gr.Row(visible=bool(first.removable)) as remove_row:
                            remove_choice = gr.Dropdown(choices=first.removable, value=None, label="Remove a document",
                                                        scale=3, elem_id="qa-remove-choice")
                            remove_btn = gr.Button("Remove", scale=1, elem_id="qa-remove")
                        # Not ``file_types``: Gradio refuses other types with a pop-up that vanishes;
                        # the server names the file and the types it takes in the status line.
                        files = gr.File(label=f"Add {', '.join(UPLOAD_TYPES)} files (up to {MAX_UPLOAD_MB} MB each)",
                                        file_count="multiple", elem_id="qa-upload", interactive=first.ready)
                        multilingual = gr.Checkbox(
                            value=True, elem_id="qa-multilingual",
                            label="Also answer questions in other languages (their vectors are built after the "
                                  "upload, while English questions are answered)")
                        reset_btn = gr.Button("Start over with the bundled article", elem_id="qa-reset",
                                              visible=first.key is not None)
                with gr.Accordion("Settings", open=False):
                    k = gr.Slider(1, 10, value=5, step=1, label="Passages shown as sources")
                    show_sources = gr.Checkbox(value=True, label="Show sources")

        page = [session_index, docs, status, article, header, question, send, examples, remove_row,
                remove_choice, reset_btn, files, building, timer, article_tab, article_choice]

        def updates(shown: Page) -> tuple:
            """``shown`` as the updates of ``page``; the drop zone is emptied (what was chosen is
            indexed or named as refused), and takes files once the models are loaded (an upload
            before then would race the page's opening for the visitor's key)."""
            return (shown.key, panels.documents_html(shown.documents), shown.status, shown.article, shown.header,
                    gr.update(placeholder=shown.placeholder, interactive=shown.ready),
                    gr.update(interactive=shown.ready),
                    gr.Dataset(samples=[[q] for q in shown.examples], visible=bool(shown.examples)),
                    gr.update(visible=bool(shown.removable)), gr.update(choices=shown.removable, value=None),
                    gr.update(visible=shown.key is not None), gr.update(value=None, interactive=shown.ready),
                    shown.building, gr.Timer(active=shown.building_now), gr.Tab(label=shown.tab),
                    gr.update(choices=list(shown.shown), value=_first_id(shown), visible=len(shown.shown) > 1))

        def opened():
            # The page is served at once; its question box opens now. (Should the models fail,
            # the page says why, and its question box stays closed.)
            with contextlib.suppress(qa.QAError):
                app.wait_ready()
            return updates(app.page(None))

        demo.load(opened, None, page, api_visibility="private", show_progress="hidden")
        # An example fills the question box, and only its text.
        examples.click(lambda sample: sample[0], examples, question, queue=False, show_progress="hidden",
                       api_visibility="private")
        def tick(key):
            line, now = app.building(key)
            return line, gr.Timer(active=now)

        timer.tick(tick, session_index, [building, timer], api_visibility="private", show_progress="hidden",
                   queue=False)

        # Which evidence tab is open: a question asked from the Documents tab (just after an
        # upload) brings the Sources tab forward, where its evidence is; the Article tab stays.
        on_documents = gr.State(False)
        for tab, now_open in ((sources_tab, lambda: False), (article_tab, lambda: False),
                              (documents_tab, lambda: True)):
            tab.select(now_open, None, on_documents, api_visibility="private", queue=False, show_progress="hidden")

        def respond(message, history, key, n, show, from_documents):
            reply = app.reply(message, history, key, n, show)
            keep = gr.update()  # no article to show (the upload expired): it stays as it was
            shown_tab = gr.Tabs(selected="sources") if from_documents else keep
            return (reply.history, reply.kept, reply.sources, keep if reply.article is None else reply.article,
                    reply.answer, shown_tab, False if from_documents else keep,
                    keep if reply.document is None else gr.update(value=reply.document))

        chat_inputs = [question, chatbot, session_index, k, show_sources, on_documents]
        chat_outputs = [chatbot, question, sources, article, last_answer, tabs, on_documents, article_choice]
        for trigger in (question.submit, send.click):
            trigger(respond, chat_inputs, chat_outputs, api_visibility="private").then(
                None, js=_SCROLL_AFTER_ANSWER)
        article_tab.select(None, js=_SCROLL_TO_EVIDENCE)
        # ``input``: the visitor's own pick only, not the value an answer sets.
        def show_document(doc_id, key, answer):
            try:
                return app.show_document(key, doc_id, answer)
            except qa.QAError:  # the upload is gone (another tab started over): the page says so at its next step
                return gr.update()

        article_choice.input(show_document, [article_choice, session_index, last_answer], article,
                             api_visibility="private", show_progress="hidden").then(None, js=_SCROLL_TO_EVIDENCE)

        def chat(question: str, upload_key: str = "") -> str:
            """Answer a question from the bundled article, or from the documents of an upload.

            Returns:
                The answer: the short answer, the quoted sentence and its [n] citation, or
                "The article does not say. ...".
            """
            try:
                return app.answer_text(question, upload_key)
            except qa.QAError as e:
                raise gr.Error(str(e), print_exception=False) from e  # a user error, not a bug

        gr.api(chat, api_name="chat")
        _describe_endpoint(demo, "chat", _CHAT_PARAMETERS,
                           ("answer", "The short answer, the quoted sentence and its citation, or the reason "
                                      "the documents do not answer."))

        one_build = {"concurrency_limit": 1, "concurrency_id": "upload"}  # one index changes at a time

        def with_chat(shown: Page, history: list | None) -> tuple:
            """``updates(shown)``, and where the documents changed: the chat says what it answers
            from now (the questions before are not followed up), and the sources tab no longer
            shows the last answer's passages, which may be of documents gone."""
            if not shown.changed:
                return (*updates(shown), gr.update(), gr.update(), gr.update())
            return (*updates(shown), [*(history or []), documents_turn(shown.changed)], panels.sources_html(None, 0),
                    None)

        changing = [*page, chatbot, sources, last_answer]

        def upload_from_page(paths, key, multilingual_too, history,
                             progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - Gradio's API
            return with_chat(app.upload_from_page(paths, key, multilingual_too), history)

        # Choosing files indexes them at once: no extra button to find on a phone.
        files.upload(upload_from_page, [files, session_index, multilingual, chatbot], changing,
                     api_visibility="private", show_progress_on=files, **one_build).then(None, js=_SHOW_CHAT_END)
        remove_btn.click(lambda doc_id, key, history: with_chat(app.remove_from_page(doc_id, key), history),
                         [remove_choice, session_index, chatbot], changing, api_visibility="private",
                         **one_build).then(None, js=_SHOW_CHAT_END)
        reset_btn.click(lambda key, history: with_chat(app.reset(key), history), [session_index, chatbot],
                        changing, api_visibility="private", **one_build).then(None, js=_SHOW_CHAT_END)

        # The API: its own hidden components, so that the API page names them instead of the page's.
        api_files = gr.File(file_count="multiple", visible=False)
        _described(api_files, "files", _FILES_API.format(mb=MAX_UPLOAD_MB),
                   [{"path": "report.pdf", "url": "report.pdf", "orig_name": "report.pdf",
                     "meta": {"_type": "gradio.FileData"}}])  # shown as handle_file('report.pdf')
        api_document = gr.Textbox(visible=False)
        _described(api_document, "document_id", "The id of one of this client's documents, as /upload lists it.",
                   "report.pdf")
        api_result = gr.JSON(label="documents", visible=False)

        def upload_documents(files, key):
            try:
                return app.upload_from_api(files, key)
            except qa.QAError as e:
                raise gr.Error(str(e), print_exception=False) from e

        def remove_document(document_id, key):
            try:
                left = app.remove_document(key, document_id)
                return app.documents_from_api(left), left
            except qa.QAError as e:
                raise gr.Error(str(e), print_exception=False) from e

        def reset_documents(key):
            app.forget(key)
            try:
                return app.documents_from_api(None), None
            except qa.QAError as e:  # the models could not be loaded
                raise gr.Error(str(e), print_exception=False) from e

        api_button = gr.Button(visible=False)
        api_button.click(upload_documents, [api_files, session_index], [api_result, session_index],
                         api_name="upload", api_description=_UPLOAD_API, **one_build)
        api_button.click(remove_document, [api_document, session_index], [api_result, session_index],
                         api_name="remove", api_description=_REMOVE_API, **one_build)
        api_button.click(reset_documents, [session_index], [api_result, session_index],
                         api_name="reset", api_description=_RESET_API, **one_build)

        show_sources.change(lambda show, answer, n: panels.sources_panel(answer, n, show),
                            [show_sources, last_answer, k], sources, api_visibility="private")
    return demo


def serve(index_dir: str | Path = "index", host: str = "127.0.0.1", port: int = 7860,
          *, block: bool = True) -> gr.Blocks:
    """Start the chat server (loopback by default, no share link, no analytics)."""
    app = App(index_dir, background=True)  # the page is served while the models load
    demo = build_ui(app)
    if block and threading.current_thread() is threading.main_thread():
        # SIGTERM (systemd, docker stop, kill) closes the server like Ctrl+C does, so that the
        # process exits normally and the temporary upload folder is removed.
        signal.signal(signal.SIGTERM, _interrupt)
    demo.queue(default_concurrency_limit=4, max_size=256)
    demo.launch(server_name=host, server_port=port, share=False, show_error=False, quiet=not block,
                max_file_size=f"{MAX_UPLOAD_MB}mb", prevent_thread_lock=True, css=_CSS, theme=_theme(),
                head=_HEAD % {"bytes": MAX_UPLOAD_MB * 1024 * 1024, "mb": MAX_UPLOAD_MB}, footer_links=["api"])
    app.load_in_background()  # after the server started: see ``App.load_in_background``
    if block:
        demo.block_thread()
    return demo


def _in_a_thread(forget):
    """``forget`` run in a thread of its own: Gradio calls a state's delete callback on its
    event loop, and removing an upload may wait for its index's multilingual pass to let go."""
    def later(key):
        threading.Thread(target=forget, args=(key,), name="qa-forget", daemon=True).start()

    later.__wrapped__ = forget
    return later


def _theme() -> gr.themes.Base:
    """Gradio's default look in the system's own fonts: the default theme fetches IBM Plex from
    Google Fonts, which an offline machine cannot, and its bold then comes from another font."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial",
                                   "sans-serif"],
                             font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"])


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
