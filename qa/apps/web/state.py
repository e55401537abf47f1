"""The chat server's state and what each request does with it, in plain values (no Gradio).

The default index is loaded once and shared by every visitor. Uploads build a private index
for the visitor's session; other people keep chatting with theirs meanwhile. ``qa.apps.web.layout``
turns what these methods return into the page's updates, and their ``qa.QAError`` into an
error shown to the visitor.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import qa
from qa import rendering
from qa.apps.web import panels
from qa.ingest.documents import KINDS, SUPPORTED_SUFFIXES
from qa.models.language import detect as detect_language
from qa.rendering import escape_markdown

UPLOAD_TYPES = list(SUPPORTED_SUFFIXES)
MAX_UPLOAD_MB = qa.Settings.max_file_bytes // (1024 * 1024)  # what a build accepts, no more
SESSION_HOURS = 6  # an upload is kept at most this long after its session last changed it
_KEY = re.compile(r"[0-9a-f]{32}")  # an upload's key: uuid4().hex
_ECHO_CHARS = 300  # characters of a question echoed into the chat


def safe_name(name: str) -> str:
    """A file name that stays in its folder: the last path part of ``name`` ("../../x",
    "/etc/x", "..\\x" give "x"), other characters than letters, digits, ``.-_`` and spaces
    replaced, no leading dot."""
    base = re.split(r"[/\\]", name)[-1]
    return re.sub(r"[^\w.\- ]", "_", base).lstrip(".") or "upload.txt"


def check_upload(paths: list[str]) -> None:
    """Refuse an upload before any of it is copied: no file, a file of a type the build skips
    (a folder build leaves it out instead of refusing it), or one over the size limit; each
    named as the visitor named it. What a file holds is checked when it is read
    (``qa.ingest.documents.read_file``: empty, binary, no text, an unreadable PDF...).

    Raises:
        SourceError: the first problem found, in the order of ``paths``.
    """
    if not paths:
        raise qa.SourceError(f"no file chosen: pick {KINDS} files to upload")
    for path in paths:
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
    """

    history: list[dict]
    sources: str | None
    article: str | None
    answer: qa.Answer | None


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
    """

    key: str | None
    documents: list[list]
    status: str
    article: str
    header: str
    placeholder: str
    examples: list[str]


def article(index: qa.Index, answer: qa.Answer | None) -> str:
    """The article tab for ``answer`` from ``index``: the document of its best evidence (or of
    the first document), evidence marked in place."""
    return panels.article_html(index.document(panels.article_document(answer) or index.documents[0].id), answer)


class App:
    """The shared state of one server: the default index and the visitors' upload indexes."""

    def __init__(self, index_dir: str | Path = "index", uploads_dir: str | Path | None = None,
                 max_sessions: int = 16) -> None:
        self.index_dir = Path(index_dir)
        self.default = qa.open_index(self.index_dir)
        self.default.embedder.warm_up()
        for space in self.default.spaces[1:]:  # the multilingual model, if the index has its vectors
            self.default.question_embedder(space).warm_up()
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
        """The index of upload ``key``, loaded again if it was evicted from memory; the default
        index for no key.

        Raises:
            QAError: no upload ``key`` on this server (expired, never made, or not a key).
        """
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
        """Index uploaded files into a new private folder; returns its key.

        ``multilingual``: with the vectors for questions in other languages (about 7× the
        build time). The build shows a tqdm progress bar (the page follows it).

        Raises:
            QAError: ``check_upload``'s refusals, or what reading or building the files
                refused, the files named as uploaded.
        """
        check_upload(paths)
        key = uuid.uuid4().hex
        folder = self.uploads / key / "files"
        folder.mkdir(parents=True)
        try:
            for path in paths:
                shutil.copyfile(path, folder / safe_name(Path(path).name))
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

    # --- requests: what each event of the page, and each API call, does --------------------

    def reply(self, message: str | None, history: list | None, key: str | None, k: float, show: bool) -> Reply:
        """Answer a question typed on the page, with the conversation so far; a question the bot
        refuses (``QAError``) gets its reason in the chat instead."""
        history = list(history or [])
        asked = question_turn(message)
        try:
            bot = self.bot(key)
            answer = bot.ask(message, history)
        except qa.QAError as e:
            return Reply([*history, *asked, warning_turn(e)], None, None, None)
        # The answer is read whole (a span of the documents), so it is shown whole: nothing
        # is produced word by word that a stream could show sooner.
        turn = {"role": "assistant", "content": rendering.markdown(answer)}
        return Reply([*history, *asked, turn], panels.sources_panel(answer, k, show), article(bot.index, answer),
                     answer)

    def answer_text(self, question: str, key: str | None = None) -> str:
        """The plain-text answer to ``question`` (what /chat returns). Raises QAError."""
        return rendering.plain(self.bot(key or None).ask(question))

    def page(self, key: str | None, notice: str = "") -> Page:
        """The page for upload ``key`` (None: the default index), ``notice`` before its status.
        Raises QAError when ``key`` is not an upload on this server."""
        index = self.index_for(key)
        uploaded = key is not None
        return Page(key, panels.documents_table(index.documents, index.manifest),
                    notice + panels.answering_from(index.documents), article(index, None),
                    panels.header(index.documents, uploaded), panels.placeholder(index.documents, uploaded),
                    panels.EXAMPLES if key is None else panels.example_questions(index.documents))

    def upload_from_page(self, paths: list[str] | None, old_key: str | None, multilingual: bool = True) -> Page:
        """Index the files chosen on the page in place of the visitor's last upload. When that
        fails the visitor keeps the index they had, and the page says why and which it is."""
        try:
            key = self.add_upload(list(paths or []), multilingual=bool(multilingual))
        except qa.QAError as e:
            return self.page(old_key, f"⚠️ Upload failed: {escape_markdown(str(e))}\n\n")
        self.forget(old_key)  # the documents this visitor answered from before
        return self.page(key)

    def upload_from_api(self, paths: list[str] | None, old_key: str | None) -> tuple[dict, str]:
        """Index files sent to /upload: what it returns (the key and the documents) and the new
        key. As on the page, a client's session holds one upload, removed with it.

        Raises:
            QAError: the upload was refused; the client keeps its last upload.
        """
        key = self.add_upload(list(paths or []))
        self.forget(old_key)
        index = self.index_for(key)
        rows = panels.documents_table(index.documents, index.manifest)
        return {"upload_key": key, "documents": panels.documents_json(rows)}, key

    def reset(self, old_key: str | None) -> Page:
        """Back to the default index: the visitor's upload is removed."""
        self.forget(old_key)
        return self.page(None)
