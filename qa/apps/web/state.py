"""The chat server's state and what each request does with it, in plain values (no Gradio).

The default index is loaded once and shared by every visitor. Uploads build a private index
for the visitor's session; other people keep chatting with theirs meanwhile. ``qa.apps.web.layout``
turns what these methods return into the page's updates, and their ``qa.QAError`` into an
error shown to the visitor.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import qa
from qa import rendering
from qa.apps.web import panels
from qa.building import stop_multilingual
from qa.ingest.documents import KINDS, SUPPORTED_SUFFIXES, bundled_document, read_file
from qa.models.embedding import embedder_for
from qa.models.language import detect as detect_language
from qa.pipeline.conversation import content
from qa.pipeline.spelling import english_words
from qa.rendering import escape_markdown
from qa.store.storage import MANIFEST

log = logging.getLogger(__name__)

UPLOAD_TYPES = list(SUPPORTED_SUFFIXES)
MAX_UPLOAD_MB = qa.Settings.max_file_bytes // (1024 * 1024)  # what a build accepts, no more
SESSION_HOURS = 6  # an upload is kept at most this long after its session last changed it
_KEY = re.compile(r"[0-9a-f]{32}")  # an upload's key: uuid4().hex
_ECHO_CHARS = 300  # characters of a question echoed into the chat
# The chat's turn that says the documents changed (``documents_turn``) is in italics; an answer
# is escaped markdown, so it never opens so.
_DOCUMENTS_MARK = f"*{panels.NOW_ANSWERING} "


def safe_name(name: str) -> str:
    """A file name that stays in its folder: the last path part of ``name`` ("../../x",
    "/etc/x", "..\\x" give "x"), other characters than letters, digits, ``.-_`` and spaces
    replaced, no leading dot."""
    base = re.split(r"[/\\]", name)[-1]
    return re.sub(r"[^\w.\- ]", "_", base).lstrip(".") or "upload.txt"


def check_upload(paths: list[str]) -> None:
    """Refuse an upload before any of it is copied: no file chosen.

    Raises:
        SourceError: no file.
    """
    if not paths:
        raise qa.SourceError(f"no file chosen: pick {KINDS} files to upload")


def check_file(path: str | Path) -> None:
    """Refuse a file before it is copied: a type the build skips (a folder build leaves it out
    instead of refusing it), or over the size limit; named as the visitor named it. What a file
    holds is checked when it is read (``qa.ingest.documents.read_file``: empty, binary, no
    text, an unreadable PDF...).

    Raises:
        SourceError: what is wrong with the file, and what to do.
    """
    source = Path(path)
    name = safe_name(source.name)
    if source.suffix.lower() not in UPLOAD_TYPES:
        raise qa.SourceError(f"{name}: unsupported file type {source.suffix or '(none)'!r}; upload {KINDS}")
    if source.stat().st_size > MAX_UPLOAD_MB * 1024 * 1024:
        raise qa.SourceError(f"{name} is over the {MAX_UPLOAD_MB} MB upload limit: upload a smaller file")


def question_turn(message: str | None) -> list[dict]:
    """The visitor's message as the chat shows it: as text (markdown-escaped), a long paste cut
    to its first 300 characters and "…"; nothing for a blank message."""
    shown = (message or "").strip()
    shown = escape_markdown(shown if len(shown) <= _ECHO_CHARS else shown[:_ECHO_CHARS] + "…")
    return [{"role": "user", "content": shown}] if shown else []


def documents_turn(note: str) -> dict:
    """The bot's turn where the visitor's documents changed: what it answers from now. The
    questions before it are not followed up (``current_conversation``)."""
    return {"role": "assistant", "content": f"*{note}*"}


def current_conversation(history: list) -> list:
    """The turns of ``history`` since the documents last changed (``documents_turn``): "And
    what about him?" after an upload is not read as a follow-up of a question about the
    documents before it."""
    for n in range(len(history) - 1, -1, -1):
        turn = history[n]
        if isinstance(turn, dict) and turn.get("role") == "assistant" and content(turn).startswith(_DOCUMENTS_MARK):
            return history[n + 1:]
    return history


def warning_turn(error: qa.QAError) -> dict:
    """The bot's turn when a question is refused: the reason, as text."""
    return {"role": "assistant", "content": f"⚠️ {escape_markdown(str(error))}"}


@dataclass(frozen=True)
class Reply:
    """A chat turn on the page.

    Attributes:
        history: the conversation with the question and the answer (or the warning) added.
        sources: the sources tab; None when the question was refused (the tab stays as it was).
        article: the article tab; None when the question was refused.
        answer: the answer, kept so the sources tab can be redrawn; None when refused.
        kept: what the question box keeps: a refused question, to mend and ask again (a
            paste over the length limit is not lost); empty once answered.
        document: the id of the document the article tab shows; None when refused.
    """

    history: list[dict]
    sources: str | None
    article: str | None
    answer: qa.Answer | None
    kept: str = ""
    document: str | None = None


@dataclass(frozen=True)
class Page:
    """What names the visitor's documents on the page.

    Attributes:
        key: the upload the page answers from; None for the default index.
        documents: the documents table (``panels.documents_table``).
        status: the documents tab's status line (markdown), after a notice if there is one.
        article: the article tab, showing the first document.
        header: the page's heading (markdown).
        placeholder: the question box's placeholder.
        examples: the example questions under the chat.
        removable: ``(title, id)`` of each document the visitor can remove (their uploads).
        ready: whether questions are taken (False while the models load).
        building: what the page says while the documents' multilingual vectors are built (or
            could not be); empty otherwise (``App.building``).
        building_now: whether they are being built (the page follows them until they are).
        tab: the name of the tab that shows a document: "Article" for the one default article,
            "Document" otherwise (an upload, or a default index of several).
        changed: what the chat says when this page's documents replace the ones asked about
            so far (an upload added one, one was removed, or the visitor started over); empty
            when they did not change.
        shown: ``(title, id)`` of every document, to pick the one the article tab shows.
    """

    key: str | None
    documents: list[list]
    status: str
    article: str
    header: str
    placeholder: str
    examples: list[str]
    removable: list[tuple[str, str]] = ()
    ready: bool = True
    building: str = ""
    building_now: bool = False
    tab: str = "Article"
    changed: str = ""
    shown: list[tuple[str, str]] = ()


def article(index: qa.Index, answer: qa.Answer | None) -> str:
    """The article tab for ``answer`` from ``index``: the document of its best evidence (or of
    the first document), evidence marked in place."""
    return panels.article_html(index.document(shown_document(index, answer)), answer)


def shown_document(index: qa.Index, answer: qa.Answer | None) -> str:
    """The id of the document the article tab shows for ``answer`` (``article``)."""
    return panels.article_document(answer) or index.documents[0].id


class App:
    """The shared state of one server: the default index and the visitors' upload indexes.

    ``background=True`` returns before the models are loaded (and, on a first start, before the
    bundled article is indexed): ``load_in_background`` loads them, so that the page can be
    served at once and say so; every question waits for them (``wait_ready``).
    """

    def __init__(self, index_dir: str | Path = "index", uploads_dir: str | Path | None = None,
                 max_sessions: int = 16, *, background: bool = False) -> None:
        self.index_dir = Path(index_dir)
        self._ready = threading.Event()
        self._failure: str | None = None
        self.default: qa.Index | None = _ready_index(self.index_dir)  # None: built by ``_load``
        self.answerer: qa.ReaderAnswerer | None = None
        # Uploads live in a private temporary folder unless one is named; it is removed when the
        # server stops (Ctrl+C or SIGTERM, see ``serve``) or the App is garbage-collected.
        self._tmp = None if uploads_dir else tempfile.TemporaryDirectory(prefix="qa-uploads-")
        self.uploads = Path(uploads_dir or self._tmp.name)
        self._indexes: OrderedDict[str, qa.Index] = OrderedDict()
        self._lock = threading.Lock()
        self._reloading = threading.Lock()
        self._max = max_sessions
        if not background:
            self._load()
            self.wait_ready()

    def load_in_background(self) -> None:
        """Load the models in a thread of their own. Start it once the page is served: while the
        server starts, both are Python work that takes turns on one lock (the GIL), and loading
        alongside it made the first answer 1-2 s later than loading after it."""
        threading.Thread(target=self._load, name="qa-load-models", daemon=True).start()

    def _load(self) -> None:
        """Index the bundled article if it is not yet, then load and warm up every model."""
        try:
            if self.default is None:
                self.default = qa.open_index(self.index_dir)
            elif self.default.multilingual_state == "missing":  # a build stopped before them
                qa.start_multilingual(self.default)
            self.default.embedder.warm_up()
            if self.default.settings.second_model:  # questions in other languages
                embedder_for(self.default.settings.second_model).warm_up()
            detect_language("warm up")
            english_words()  # the word list that misspelled questions are read with
            answerer = qa.ReaderAnswerer()
            answerer.reader.warm_up()
            self.answerer = answerer
        except Exception as e:  # shown to every visitor, and raised by wait_ready
            log.exception("the chat could not start")
            self._failure = str(e) if isinstance(e, qa.QAError) else f"{type(e).__name__}: {e}"
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        """Whether the models are loaded (or failed to load)."""
        return self._ready.is_set()

    def wait_ready(self) -> None:
        """Wait until the models are loaded.

        Raises:
            QAError: they could not be loaded (the message says why).
        """
        self._ready.wait()
        if self._failure is not None:
            raise qa.QAError(f"the chat could not start: {self._failure}")

    def bot(self, key: str | None) -> qa.Chatbot:
        """The chatbot over the visitor's index (``key``: an upload's, else the default)."""
        self.wait_ready()
        return qa.Chatbot(self.index_for(key), answerer=self.answerer)

    def index_for(self, key: str | None) -> qa.Index:
        """The index of upload ``key``, loaded again if it was evicted from memory; the default
        index for no key.

        Raises:
            QAError: no upload ``key`` on this server (expired, never made, or not a key).
        """
        if not key:
            self.wait_ready()
            return self.default
        with self._lock:
            index = self._indexes.get(key)
            if index is not None:
                self._indexes.move_to_end(key)
                return index
        folder = self._folder(key) / "index"
        with self._reloading:  # one Index per upload: two requests at once load it once
            with self._lock:
                index = self._indexes.get(key)
            if index is not None:
                return index
            if not folder.is_dir():
                raise qa.QAError(f"no upload {key[:40]!r} on this server (it expired or never was): upload again")
            index = qa.load_index(folder)  # evicted from memory earlier: load it again
            if index.multilingual_state == "missing":  # its pass stopped with the one evicted: go on
                qa.start_multilingual(index)
            self._remember(key, index)
        return index

    def _folder(self, key: str) -> Path:
        """The folder of upload ``key``. Raises QAError for what is not a key (never a path)."""
        if not _KEY.fullmatch(key or ""):
            raise qa.QAError(f"no upload {key[:40]!r} on this server (it expired or never was): upload again")
        return self.uploads / key

    def forget(self, key: str | None) -> None:
        """Remove an upload's files and index (a session ended, or the visitor started over)."""
        if not key or not _KEY.fullmatch(key):
            return
        with self._lock:
            self._indexes.pop(key, None)
        stop_multilingual(self.uploads / key / "index")
        shutil.rmtree(self.uploads / key, ignore_errors=True)

    def _remember(self, key: str, index: qa.Index) -> None:
        with self._lock:
            self._indexes[key] = index
            while len(self._indexes) > self._max:
                self._indexes.popitem(last=False)

    def add_upload(self, paths: list[str], key: str | None = None, multilingual: bool = True, *,
                   partial: bool = False) -> Added:
        """Index uploaded files: into upload ``key``'s index (a file named as one it holds
        replaces it), or into a new private one. Documents already indexed are not embedded again.

        ``multilingual``: a new index gets the vectors for questions in other languages, built
        in the background once it answers English (``building`` says how far); files added to
        an upload follow its index. ``partial``: index the
        files that can be read and name the others in ``Added.refused``; else any bad file
        refuses the whole upload. The build shows a tqdm progress bar (the page follows it).

        Raises:
            QAError: no file; with ``partial`` no file that can be read, else any file refused
                (type, size, what reading it found), named as uploaded; ``key`` is not an upload.
        """
        check_upload(paths)
        self.wait_ready()
        index_dir = self._folder(key) / "index" if key else None
        if index_dir is not None and not index_dir.is_dir():
            self.index_for(key)  # raises: the upload expired
        new_key = key or uuid.uuid4().hex
        folder = self.uploads / new_key
        incoming = folder / f"incoming-{uuid.uuid4().hex}"
        incoming.mkdir(parents=True)
        docs, refused = [], []

        def as_uploaded(message: str) -> str:  # the file named as uploaded, not where the server keeps it
            return message.replace(f"{incoming}/", "").replace(f"{incoming.resolve()}/", "")

        try:
            for path in paths:
                name = safe_name(Path(path).name)
                if (incoming / name).exists():  # copied already: a file of this name was chosen before
                    refused.append(f"{name}: two files of this name were chosen: rename one and upload it again")
                    continue
                try:
                    check_file(path)
                    shutil.copyfile(path, incoming / name)
                    docs.append(read_file(incoming / name, max_file_bytes=qa.Settings.max_file_bytes, doc_id=name))
                except qa.SourceError as e:
                    refused.append(as_uploaded(str(e)))
            if refused and (not partial or not docs):
                raise qa.SourceError(refused[0] if len(refused) == 1 else "; ".join(refused))
            try:
                if index_dir is not None:
                    index = qa.add_documents(index_dir, docs, progress=True)
                else:
                    index = qa.build_index(docs, folder / "index", progress=True,
                                           settings=qa.Settings(multilingual=multilingual))
            except qa.SourceError as e:
                raise qa.SourceError(as_uploaded(str(e))) from None
            kept = folder / "files"
            kept.mkdir(exist_ok=True)
            for doc in docs:
                (incoming / doc.id).replace(kept / doc.id)
        except BaseException:
            if key is None:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
        self._remember(new_key, index)
        return Added(new_key, [d.title for d in docs], refused)

    def remove_document(self, key: str | None, doc_id: str) -> str | None:
        """Remove document ``doc_id`` from upload ``key``; the key that is left (None when it was
        the upload's last document: back to the default index).

        Raises:
            QAError: no such upload, or it holds no document ``doc_id``.
        """
        if not key:
            raise qa.QAError("the bundled article cannot be removed: upload documents of your own first")
        if not doc_id:
            raise qa.QAError("no document named: pass the id of one of your documents, as /upload lists it")
        index = self.index_for(key)
        if doc_id not in {d.id for d in index.documents}:
            raise qa.QAError(f"no document {doc_id[:80]!r} in this upload: pick one of the documents listed")
        if len(index.documents) == 1:
            self.forget(key)
            return None
        self._remember(key, qa.remove_documents(self._folder(key) / "index", [doc_id], progress=False))
        (self._folder(key) / "files" / doc_id).unlink(missing_ok=True)
        return key

    # --- requests: what each event of the page, and each API call, does --------------------

    def reply(self, message: str | None, history: list | None, key: str | None, k: float, show: bool) -> Reply:
        """Answer a question typed on the page, with the conversation so far; a question the bot
        refuses (``QAError``) gets its reason in the chat instead, stays in the question box,
        and the sources and article tabs no longer show the last answer's evidence."""
        history = list(history or [])
        asked = question_turn(message)
        try:
            bot = self.bot(key)
            answer = bot.ask(message, current_conversation(history))
        except qa.QAError as e:
            return Reply([*history, *asked, warning_turn(e)], panels.REFUSED, self._article_or_none(key), None,
                         kept=message if isinstance(message, str) and message.strip() else "")
        # The answer is read whole (a span of the documents), so it is shown whole: nothing
        # is produced word by word that a stream could show sooner.
        turn = {"role": "assistant", "content": rendering.markdown(answer)}
        return Reply([*history, *asked, turn], panels.sources_panel(answer, k, show), article(bot.index, answer),
                     answer, document=shown_document(bot.index, answer))

    def show_document(self, key: str | None, doc_id: str | None, answer: qa.Answer | None) -> str:
        """The article tab showing the document the visitor picked, the last answer's evidence
        marked in it if it is there; the first document when ``doc_id`` is not one of theirs."""
        index = self.index_for(key)
        known = {d.id for d in index.documents}
        return panels.article_html(index.document(doc_id if doc_id in known else index.documents[0].id), answer)

    def _article_or_none(self, key: str | None) -> str | None:
        try:
            return article(self.index_for(key), None)
        except qa.QAError:
            return None

    def answer_text(self, question: str, key: str | None = None) -> str:
        """The plain-text answer to ``question`` (what /chat returns). Raises QAError."""
        return rendering.plain(self.bot(key or None).ask(question))

    def page(self, key: str | None, notice: str = "") -> Page:
        """The page for upload ``key`` (None: the default index), ``notice`` before its status.
        Raises QAError when ``key`` is not an upload on this server."""
        if key is None and not self.ready:
            return self._loading_page()
        if key is None and self._failure is not None:
            return replace(self._loading_page(), status=f"⚠️ {escape_markdown(self._failure)}")
        index = self.index_for(key)
        uploaded = key is not None
        removable = [(d.title, d.id) for d in index.documents] if uploaded else []
        return Page(key, panels.documents_table(index.documents, index.manifest),
                    notice + panels.answering_from(index.documents), article(index, None),
                    panels.header(index.documents, uploaded), panels.placeholder(index.documents, uploaded),
                    panels.EXAMPLES if key is None else panels.example_questions(index.documents), removable,
                    building=panels.building(index), building_now=index.multilingual_state == "building",
                    tab=panels.document_tab(index.documents, uploaded), shown=_titled(index.documents))

    def building(self, key: str | None) -> tuple[str, bool]:
        """What the page says of the multilingual vectors of ``key``'s index (``panels.building``:
        empty once they are built, while the models load, or when the index is not in memory:
        a page's timer asks often, and this never loads one), and whether they are being built."""
        if key is None:
            index = self.default if self.ready else None
        else:
            with self._lock:
                index = self._indexes.get(key)
        if index is None:
            return "", False
        return panels.building(index), index.multilingual_state == "building"

    def _loading_page(self) -> Page:
        """The default page while the models load: its documents as far as they are known."""
        documents = self.default.documents if self.default is not None else [bundled_document()]
        manifest = self.default.manifest if self.default is not None else {"sources": []}
        return Page(None, panels.documents_table(documents, manifest), panels.LOADING, article_of(documents[0]),
                    panels.header(documents), panels.LOADING_PLACEHOLDER, panels.EXAMPLES, [], ready=False,
                    shown=_titled(documents))

    def upload_from_page(self, paths: list[str] | None, key: str | None, multilingual: bool = True) -> Page:
        """Add the files chosen on the page to the visitor's documents (the first upload starts
        them). A file that cannot be read is named and left out; the others are indexed. When
        none can be, the visitor keeps the documents they had, and the page says why."""
        try:
            added = self.add_upload(list(paths or []), key, multilingual=bool(multilingual), partial=True)
        except qa.QAError as e:
            return self._page_after(key, f"⚠️ Upload failed: {escape_markdown(str(e))}\n\n")
        notice = panels.added(added.titles, added.refused)
        return self._changed(self.page(added.key, notice)) if added.titles else self.page(added.key, notice)

    def _changed(self, page: Page) -> Page:
        """``page``, its documents having replaced the ones asked about so far."""
        try:
            documents = self.index_for(page.key).documents
        except qa.QAError:  # the default index failed to load: the page already says why
            return page
        return replace(page, changed=panels.now_answering_from(documents))

    def _page_after(self, key: str | None, notice: str) -> Page:
        """The page for ``key`` after a refusal, ``notice`` first; the default's when the upload
        itself is gone (expired, or removed by another tab of the session)."""
        try:
            return self.page(key, notice)
        except qa.QAError:
            return self.page(None, notice)

    def remove_from_page(self, doc_id: str | None, key: str | None) -> Page:
        """Remove one of the visitor's documents; the last one removed brings back the default."""
        if not doc_id:
            return self._page_after(key, "⚠️ Pick a document to remove first.\n\n")
        try:
            title = next((d.title or d.id for d in self.index_for(key).documents if d.id == doc_id), doc_id)
            left = self.remove_document(key, doc_id)
        except qa.QAError as e:
            return self._page_after(key, f"⚠️ {escape_markdown(str(e))}\n\n")
        return self._changed(self.page(left, f"Removed “{escape_markdown(title)}”. "))

    def upload_from_api(self, paths: list[str] | None, key: str | None) -> tuple[dict, str]:
        """Add files sent to /upload to the client's documents (its first upload starts them):
        what it returns (the key and every document) and the key. All or nothing: a bad file
        refuses the call.

        Raises:
            QAError: the upload was refused; the client keeps the documents it had.
        """
        added = self.add_upload(list(paths or []), key)
        return self.documents_from_api(added.key), added.key

    def documents_from_api(self, key: str | None) -> dict:
        """What /upload, /remove and /reset return: the key (empty for the bundled article) and
        the documents it answers from."""
        index = self.index_for(key)
        rows = panels.documents_table(index.documents, index.manifest)
        return {"upload_key": key or "", "documents": panels.documents_json(rows)}

    def reset(self, key: str | None) -> Page:
        """Back to the default index: the visitor's uploads are removed."""
        self.forget(key)
        return self._changed(self.page(None)) if key is not None else self.page(None)


@dataclass(frozen=True)
class Added:
    """What an upload did: the upload's key, the titles of the documents it indexed, and why
    each file it left out was refused."""

    key: str
    titles: list[str]
    refused: list[str]


def _titled(documents: list[qa.Document]) -> list[tuple[str, str]]:
    return [(d.title or d.id, d.id) for d in documents]


def article_of(document: qa.Document) -> str:
    """The article tab showing ``document``, nothing marked."""
    return panels.article_html(document, None)


def _ready_index(index_dir: Path) -> qa.Index | None:
    """The index in ``index_dir`` when it can be used as it is (loads no model); None when it is
    not built yet (the bundled article is indexed in the background). A damaged or stale index
    is opened here, as ``qa.open_index`` does: rebuilt when it can be, else an error at start."""
    if not (index_dir / MANIFEST).exists():
        return None
    try:
        index = qa.load_index(index_dir)
    except qa.IndexLoadError:
        return qa.open_index(index_dir)  # its multilingual vectors, if still to build, in the background
    return qa.open_index(index_dir) if index.stale_sources() else index
