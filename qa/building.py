"""Building an index folder from documents, and the rebuild policy of ``open_index``.

A build splits each document's text between its headings into sentences, and those into
chunks that stay within one section; embeds each chunk once (its sentences' vectors come from
the same pass, see ``qa.models.embedding``), with its title and headings before it
(``Settings.headings_in_chunks``); builds BM25 over chunks and sentences (each text analyzed
in its document's language), and writes it all beside the current index before swapping the
manifest in (``qa.store.storage``). From then on the index answers.

With ``Settings.multilingual``, the multilingual model then embeds the same chunk texts (not
their sentences: ``qa.Index.sentence_vectors`` embeds those a question needs), three times
slower than the first pass on two cores, and that space is swapped in as a second snapshot
(``finish_multilingual``): in a thread of the same process by default, so English questions
need not wait for it. A stop in between leaves a working index without them, which the next
build, ``open_index`` or ``qa build --finish`` completes. Chunks whose text is unchanged since
the last build are not embedded again. Headings are never sentences, so never quoted.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qa.errors import IndexLoadError, SourceError
from qa.index import Index, MultilingualProgress, load_index
from qa.ingest.documents import BUNDLED_SOURCE, Document, bundled_document, load_documents, read_file
from qa.ingest.text import chunk_spans, inside_quotation, split_sentences
from qa.models.embedding import Embedder, embedder_for
from qa.settings import RECORDED, AskSettings, BuildSettings, Settings
from qa.store import storage
from qa.store.base import Snapshot
from qa.store.folder import FolderStore
from qa.types import Chunk, citation

log = logging.getLogger("qa")

# A chunk's vectors, by its text: its own and those of its sentences (spans relative to the chunk).
_Known = dict[str, tuple[np.ndarray, dict[tuple[int, int], np.ndarray]]]
# The multilingual vector of each chunk text (that space keeps no sentence vectors).
_KnownChunks = dict[str, np.ndarray]

MULTILINGUAL_PASSES = ("background", "now", "later")
_PASS_SLICE = 16  # chunks embedded between looks at whether the pass was stopped


class _Folder:
    """What this process holds of one index folder: the multilingual vectors its passes embedded
    (``known``, by chunk text: a pass stopped by a newer build hands them to that build's), the
    pass running, and a lock that its builds and swaps take in turn, before the file lock that
    keeps other processes out (so that they wait for each other instead of failing)."""

    def __init__(self) -> None:
        self.known: _KnownChunks = {}
        self.running: _Pass | None = None
        self.lock = threading.Lock()
        self.removed = False  # ``stop_multilingual``: the folder is going away, no pass starts


@dataclass
class _Pass:
    """One multilingual pass: for ``index`` in ``folder``, stopped by setting ``stop``."""

    index: Index
    folder: _Folder
    progress: MultilingualProgress
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None  # a background pass's


_folders: dict[Path, _Folder] = {}
_folders_lock = threading.Lock()  # guards _folders and each folder's ``running``


def _folder(index_dir: Path) -> _Folder:
    with _folders_lock:
        return _folders.setdefault(Path(index_dir).resolve(), _Folder())


def build_index(sources: Iterable[str | Path | Document] | str | Path | Document | None = None,
                index_dir: str | Path = "index", *, settings: BuildSettings | None = None,
                progress: bool | None = None, embedder: Embedder | None = None,
                multilingual_pass: str = "background") -> Index:
    """Read ``sources``, embed them and save the index in ``index_dir``.

    Args:
        sources: paths (files or folders of .txt, .md, .html, .pdf, .docx) and/or ``Document``s;
            ``None`` means the bundled article.
        index_dir: the folder to write; the index in it is replaced only once the new one
            is complete.
        settings: model, chunking and limits; defaults to ``Settings()``.
        progress: show a progress bar while embedding: ``None`` when there are many texts,
            ``True`` always, ``False`` never.
        embedder: embeds the chunks; defaults to ``settings.model``'s.
        multilingual_pass: when the multilingual vectors (``settings.multilingual``) are
            built, after the index is saved and answers: ``"background"`` (a thread of this
            process; ``Index.multilingual_state`` follows it), ``"now"`` (before returning), or
            ``"later"`` (``finish_multilingual``, the next build or ``open_index``).

    Raises:
        SourceError: a source cannot be read. The existing index is left as it was.
        IndexBusyError: another build is writing the same folder.
        ModelError: the embedding model cannot be loaded.
    """
    settings = _full(settings)
    _check_pass(multilingual_pass)
    docs = load_documents(sources, max_file_bytes=settings.max_file_bytes)
    return _build(docs, Path(index_dir), settings, progress, embedder, multilingual_pass)


def open_index(index_dir: str | Path = "index", *, settings: Settings | None = None,
               progress: bool | None = None, multilingual_pass: str = "background") -> Index:
    """Load the index in ``index_dir``, building or refreshing it first when needed.

    With no index there yet, the bundled article is indexed; a damaged index of the bundled
    article alone is rebuilt (nothing can be lost). When a source file (or the bundled
    article) changed since the build, the index is rebuilt from its sources; unchanged text
    is not embedded again. Multilingual vectors still to build are built as
    ``multilingual_pass`` says (``build_index``).

    Raises:
        IndexLoadError: an index of other documents is damaged (the message says how to
            rebuild it); it is never overwritten without being asked.
    """
    _check_pass(multilingual_pass)
    index_dir = Path(index_dir)
    if not (index_dir / storage.MANIFEST).exists():
        log.info("indexing the bundled article into %s (first start)", index_dir)
        return build_index(None, index_dir, settings=settings, progress=progress, multilingual_pass=multilingual_pass)
    try:
        index = load_index(index_dir, settings=settings)
    except IndexLoadError as e:
        if not _bundled_only(index_dir):
            raise
        log.warning("%s; rebuilding it from the bundled article", e)
        return build_index(None, index_dir, settings=settings, progress=progress, multilingual_pass=multilingual_pass)
    stale = index.stale_sources()
    if not stale:
        return _then(index, multilingual_pass, progress)
    log.info("sources changed since the index was built (%s): rebuilding %s", ", ".join(stale), index_dir)
    docs = []
    for doc in index.documents:
        if doc.source == BUNDLED_SOURCE:
            docs.append(bundled_document())
        elif doc.source in stale:
            docs.append(read_file(doc.source, max_file_bytes=index.settings.max_file_bytes, doc_id=doc.id))
        else:
            docs.append(doc)
    return _build(docs, index_dir, index.settings, progress, None, multilingual_pass)


def add_documents(index_dir: str | Path, sources: Iterable[str | Path | Document] | str | Path | Document, *,
                  progress: bool | None = None, multilingual_pass: str = "background") -> Index:
    """The index in ``index_dir`` with ``sources`` added, as it was built (a document with the
    id of one it holds replaces it). Chunks it already holds are not embedded again; the new
    index is swapped in whole, so a failure leaves the old one. Multilingual vectors as
    ``multilingual_pass`` says (``build_index``).

    Raises:
        IndexLoadError: there is no index in ``index_dir`` (build one first).
        SourceError: a source cannot be read.
    """
    current = load_index(index_dir)
    added = load_documents(sources, max_file_bytes=current.settings.max_file_bytes)
    ids = {d.id for d in added}
    return _build([d for d in current.documents if d.id not in ids] + added, Path(index_dir), current.settings,
                  progress, current.embedder, multilingual_pass)


def remove_documents(index_dir: str | Path, doc_ids: Iterable[str], *, progress: bool | None = None,
                     multilingual_pass: str = "background") -> Index:
    """The index in ``index_dir`` without the documents ``doc_ids`` (nothing is embedded again).

    Raises:
        IndexLoadError: there is no index in ``index_dir``.
        SourceError: it holds no document of one of those ids, or would hold none at all.
    """
    current = load_index(index_dir)
    doc_ids = set(doc_ids)
    missing = sorted(doc_ids - {d.id for d in current.documents})
    if missing:
        raise SourceError(f"{index_dir} holds no document {missing[0]!r}: name one of "
                          f"{', '.join(repr(d.id) for d in current.documents[:5])}")
    kept = [d for d in current.documents if d.id not in doc_ids]
    if not kept:
        raise SourceError(f"removing {', '.join(sorted(doc_ids))} would leave {index_dir} empty: "
                          "build it anew instead (qa build)")
    return _build(kept, Path(index_dir), current.settings, progress, current.embedder, multilingual_pass)


def _full(settings: BuildSettings | None) -> Settings:
    """``settings`` with the default question settings, if it has none."""
    if isinstance(settings, Settings):
        return settings
    return Settings.of(settings or BuildSettings(), AskSettings())


def _bundled_only(index_dir: Path) -> bool:
    """Whether the index's manifest, if it can be read at all (an older format too), lists
    only the bundled article."""
    try:
        manifest = json.loads((index_dir / storage.MANIFEST).read_text(encoding="utf-8"))
        return storage.manifest_sources(manifest) == [BUNDLED_SOURCE]
    except (OSError, ValueError, AttributeError, TypeError):
        return False


def _split(docs: list[Document], settings: Settings) -> tuple[np.ndarray, list[Chunk]]:
    """The sentence table ``(document number, start, end)`` and the chunks of ``docs``."""
    sentence_rows: list[tuple[int, int, int]] = []
    chunks: list[Chunk] = []
    for number, doc in enumerate(docs):
        base = len(sentence_rows)
        spans: list[tuple[int, int]] = []
        sections: list[tuple[str, ...]] = []  # each sentence's: the same for all of a body span
        for a, b in doc.body():
            pieces = split_sentences(doc.text[a:b], settings.chunk_size)
            spans += [(a + s, a + e) for s, e in pieces]
            sections += [doc.section(a)] * len(pieces)
        sentence_rows.extend((number, a, b) for a, b in spans)
        # Chunks within a section: the run of sentences under the same headings.
        run = 0
        for i in range(1, len(spans) + 1):
            if i < len(spans) and sections[i] == sections[run]:
                continue
            group = spans[run:i]
            for first, last in chunk_spans(group, settings.chunk_size, settings.chunk_overlap,
                                           inside_quotation(doc.text, group)):
                start, end = group[first][0], group[last][1]
                chunks.append(Chunk(doc.id, start, end, doc.text[start:end], base + run + first, base + run + last,
                                    sections[run]))
            run = i
    return np.array(sentence_rows, dtype=np.int64).reshape(-1, 3), chunks


def indexed_text(chunk: Chunk, doc: Document, settings: Settings) -> tuple[str, int]:
    """What is embedded and BM25-indexed for ``chunk``, and where its own text starts in it:
    ``"Title › Section\n"`` before the text when ``settings.headings_in_chunks``."""
    if not settings.headings_in_chunks:
        return chunk.text, 0
    head = citation(doc.title, chunk.section)
    return f"{head}\n{chunk.text}", len(head) + 1


def _build(docs: list[Document], index_dir: Path, settings: Settings, progress: bool | None,
           embedder: Embedder | None, multilingual_pass: str) -> Index:
    embedder = embedder or embedder_for(settings.model, batch_size=settings.batch_size)
    folder = _folder(index_dir)
    stopped = _stop(folder)  # a pass for the build this one replaces: the cores go to this one
    try:
        store = _write(docs, index_dir, settings, progress, embedder, folder)
    except BaseException:
        if stopped is not None and stopped.thread is not None:  # this build failed: the index it
            start_multilingual(stopped.index)  # was to replace goes on answering, and its pass
        raise
    return _then(Index(store, settings, embedder=embedder), multilingual_pass, progress)


def _write(docs: list[Document], index_dir: Path, settings: Settings, progress: bool | None, embedder: Embedder,
           folder: _Folder) -> FolderStore:
    """``_build``'s work under the folder's locks: the English pass, and the multilingual
    vectors too when every chunk's is known; the store written."""
    started = time.perf_counter()
    second = settings.second_model
    with folder.lock, storage.build_lock(index_dir):
        _stop(folder)  # one started meanwhile (by a build this one waited for)
        sentences, chunks = _split(docs, settings)
        by_id = {d.id: d for d in docs}
        inputs = [indexed_text(c, by_id[c.doc_id], settings) for c in chunks]
        texts = [text for text, _ in inputs]
        known = _reusable(index_dir, settings, folder.known)
        vectors = {settings.model: _embed(embedder, chunks, inputs, sentences, known, progress)}
        if second and texts and all(t in folder.known for t in texts):  # nothing to embed
            vectors[second] = (np.stack([folder.known[t] for t in texts]), None)
        snapshot = Snapshot(docs, chunks, sentences, vectors, texts)
        manifest = _manifest(snapshot, settings, time.perf_counter() - started)
        if settings.milvus_uri:
            from qa.store.milvus import MilvusStore

            store = MilvusStore.write(index_dir, snapshot, manifest, uri=settings.milvus_uri)
        else:
            store = FolderStore.write(index_dir, snapshot, manifest, approximate_above=settings.approximate_above)
        if not second or second in store.spaces:
            folder.known.clear()  # complete: the next build reads them from the index
    return store


def _check_pass(multilingual_pass: str) -> None:
    if multilingual_pass not in MULTILINGUAL_PASSES:
        raise ValueError(f"multilingual_pass must be one of {', '.join(MULTILINGUAL_PASSES)}, "
                         f"not {multilingual_pass!r}")


def _then(index: Index, multilingual_pass: str, progress: bool | None) -> Index:
    """``index``, its multilingual vectors (if still to build) started as ``multilingual_pass`` says."""
    if index.multilingual_state != "missing":
        return index
    if multilingual_pass == "now":
        return finish_multilingual(index, progress=progress)
    if multilingual_pass == "background":
        start_multilingual(index)
    return index


def start_multilingual(index: Index) -> None:
    """Build the multilingual vectors of ``index`` in a thread of this process
    (``finish_multilingual``), stopping a pass still running for an older build of the same
    folder; ``index.multilingual_progress`` follows it. A failure is logged and left in
    ``multilingual_progress.error``; the index goes on answering without them."""
    run = _register(index)
    if run is None:
        return

    def background() -> None:
        try:
            _run(run, progress=False)
        except Exception as e:  # a thread has no caller to raise to: say it, keep answering
            log.warning("the multilingual vectors of %s were not built (%s: %s): `qa build --finish --index %s` "
                        "builds them", index.directory, type(e).__name__, e, index.directory)

    run.thread = threading.Thread(target=background, name=f"qa-multilingual-{index.directory.name}", daemon=True)
    try:
        run.thread.start()
    except RuntimeError as e:  # no thread to be had: the index answers without them
        run.progress.error = f"{type(e).__name__}: {e}"
        _end(run)


def finish_multilingual(index: Index, *, progress: bool | None = None) -> Index:
    """Embed the chunks of ``index`` with the multilingual model and swap that space into its
    folder and into ``index`` itself (returned); nothing to do when it has them, and a pass
    already running for it is waited for. Chunk texts a stopped pass of this process embedded
    are not embedded again. ``index.multilingual_progress`` follows it, and keeps the error of
    a failure.

    Ends without writing when a newer build of the folder stops it (that build's own pass
    takes over), or when the folder holds another index by then.

    Raises:
        IndexBusyError: another process is writing the folder at the moment of the swap.
        ModelError: the multilingual model cannot be loaded.
    """
    run = _register(index)
    if run is None:  # complete, or a pass for it is running: wait for that one
        progress_now = index.multilingual_progress
        if progress_now is not None:
            progress_now.finished.wait()
        return index
    _run(run, progress)
    return index


def stop_multilingual(index_dir: str | Path, *, wait: bool = False) -> None:
    """Stop the pass running for ``index_dir`` in this process, if any (``wait``: until it has),
    and let go of what this process holds of the folder (it is going away: a visitor's upload
    removed)."""
    with _folders_lock:
        folder = _folders.pop(Path(index_dir).resolve(), None)
        if folder is not None:
            folder.removed = True
    if folder is not None:
        run = _stop(folder)
        with folder.lock:  # a swap under way ends first; after it, the pass sees it was stopped
            pass
        if wait and run is not None:
            run.progress.finished.wait()


def _stop_all() -> None:
    """Stop every pass of this process and wait for them (tests, between cases)."""
    with _folders_lock:
        folders = list(_folders)
    for index_dir in folders:
        stop_multilingual(index_dir, wait=True)


def _stop(folder: _Folder) -> _Pass | None:
    """Stop the folder's running pass; it, if there was one."""
    with _folders_lock:
        run = folder.running
    if run is not None:
        run.stop.set()
    return run


def _register(index: Index) -> _Pass | None:
    """A new pass for ``index``, the folder's running one (for another index) stopped; None
    when ``index`` is complete or a pass for it is running already."""
    second = index.settings.second_model
    if second is None or second in index.spaces:
        return None
    folder = _folder(index.directory)
    with _folders_lock:
        running = folder.running
        if folder.removed or (running is not None and running.index is index and not running.stop.is_set()):
            return None
        if running is not None:
            running.stop.set()
        run = folder.running = _Pass(index, folder, MultilingualProgress(total=len(index.chunks)))
        index.multilingual_progress = run.progress  # "building" from now
    return run


def _run(run: _Pass, progress: bool | None) -> None:
    try:
        _embed_and_swap(run, progress)
    except Exception as e:
        run.progress.error = f"{type(e).__name__}: {e}"
        raise
    finally:
        _end(run)


def _end(run: _Pass) -> None:
    index, state = run.index, run.progress
    with _folders_lock:
        if not state.error and index.multilingual_state != "complete" and index.multilingual_progress is state:
            index.multilingual_progress = None  # stopped, or the folder holds another index now
        if run.folder.running is run:
            run.folder.running = None
    state.finished.set()


def _embed_and_swap(run: _Pass, progress: bool | None) -> None:
    index, state, folder = run.index, run.progress, run.folder
    known = folder.known
    second = index.settings.second_model
    texts = [indexed_text(c, index.document(c.doc_id), index.settings)[0] for c in index.chunks]
    chunks_of = Counter(texts)  # a text's chunks (a repeated text is embedded once)
    todo = [t for t in chunks_of if t not in known]
    if len(todo) < len(chunks_of):
        log.info("reusing the embeddings of %d chunks; embedding %d new ones", len(chunks_of) - len(todo), len(todo))
    state.done = len(texts) - sum(chunks_of[t] for t in todo)
    embedder = embedder_for(second)
    show = len(todo) > 64 if progress is None else progress
    with tqdm(total=len(texts), initial=state.done, desc="Multilingual vectors", unit="chunk",
              disable=not show) as bar:
        for first in range(0, len(todo), _PASS_SLICE):
            if run.stop.is_set() or not index.directory.is_dir():
                return
            batch = todo[first:first + _PASS_SLICE]
            known.update(zip(batch, embedder.encode_documents(batch, progress=False).vectors, strict=True))
            done = sum(chunks_of[t] for t in batch)
            state.done += done
            bar.update(done)
    vectors = (np.stack([known[t] for t in texts]) if texts
               else np.zeros((0, embedder.dimension), np.float32))
    with folder.lock:  # a build of this process that stopped this pass holds it until it is done
        if run.stop.is_set() or not index.directory.is_dir():
            return
        with storage.build_lock(index.directory):
            on_disk = storage.read_manifest(index.directory)
            if on_disk["data"] == index.manifest["data"]:
                store = index.store.with_space(second, vectors, approximate_above=index.settings.approximate_above)
            elif _completes(on_disk, index.manifest):  # another process built them meanwhile
                store = load_index(index.directory).store
            else:
                log.info("%s holds another index now: its own pass builds the multilingual vectors", index.directory)
                return
        folder.known.clear()  # written: the next build reads them from the index
    index.attach(store)
    log.debug("the multilingual vectors of %s are complete", index.directory)


def _completes(on_disk: dict, manifest: dict) -> bool:
    """Whether the manifest ``on_disk`` is of the index of ``manifest`` with its multilingual
    vectors (the same sources, settings and counts)."""
    def documents(m: dict) -> list:
        return [(s.get("id"), s.get("sha256")) for s in m.get("sources", [])]

    return (bool(on_disk.get("multilingual")) and on_disk.get("model") == manifest.get("model")
            and on_disk.get("counts") == manifest.get("counts") and on_disk.get("settings") == manifest.get("settings")
            and documents(on_disk) == documents(manifest))


def _embed(embedder: Embedder, chunks: list[Chunk], inputs: list[tuple[str, int]], sentences: np.ndarray,
           known: _Known, progress: bool | None) -> tuple[np.ndarray, np.ndarray]:
    """A vector per chunk and per sentence, embedding each chunk's ``inputs`` text (with the
    offset of the chunk's own text in it) once, unless already ``known``.

    A sentence takes its vector from the first chunk that holds it.
    """
    relative = [[(int(sentences[s, 1]) - c.start + shift, int(sentences[s, 2]) - c.start + shift)
                 for s in range(c.first_sentence, c.last_sentence + 1)] for c, (_, shift) in zip(chunks, inputs,
                                                                                              strict=True)]
    texts = [text for text, _ in inputs]
    todo = list(dict.fromkeys(t for t, spans in zip(texts, relative, strict=True)
                              if not _reusable_for(known.get(t), spans)))
    if known:
        log.info("reusing the embeddings of %d chunks; embedding %d new ones",
                 len(set(texts)) - len(todo), len(todo))
    spans_of = dict(zip(texts, relative, strict=True))
    fresh = embedder.encode_documents(todo, spans=[spans_of[t] for t in todo], progress=progress)
    for text, vector, span_vectors in zip(todo, fresh.vectors, fresh.spans, strict=True):
        known[text] = (vector, dict(zip(spans_of[text], span_vectors, strict=True)))
    dim = fresh.vectors.shape[1] if len(todo) else next(iter(known.values()))[0].shape[0]
    chunk_vectors = np.empty((len(chunks), dim), np.float32)
    sentence_vectors = np.empty((len(sentences), dim), np.float32)
    done = np.zeros(len(sentences), bool)
    for n, (c, text, spans) in enumerate(zip(chunks, texts, relative, strict=True)):
        vector, by_span = known[text]
        chunk_vectors[n] = vector
        for s, span in zip(range(c.first_sentence, c.last_sentence + 1), spans, strict=True):
            if not done[s]:
                sentence_vectors[s], done[s] = by_span[span], True
    return chunk_vectors, sentence_vectors


def _reusable_for(entry: tuple[np.ndarray, dict] | None, spans: list[tuple[int, int]]) -> bool:
    return entry is not None and all(s in entry[1] for s in spans)


def _reusable(index_dir: Path, settings: Settings, multilingual: _KnownChunks) -> _Known:
    """The vectors of the current index by indexed text, when it was built the same way: its
    own model's, returned; the multilingual model's chunk vectors, added to ``multilingual``
    (which holds those this process embedded for the folder and has not written yet)."""
    try:
        current = load_index(index_dir)
    except IndexLoadError:
        return {}
    if current.settings.headings_in_chunks != settings.headings_in_chunks:
        multilingual.clear()
        return {}
    own = _known(current, settings.model, settings) if current.settings.model == settings.model else {}
    if settings.second_model and settings.second_model in current.spaces and current.chunks:
        vectors = current.chunk_vectors(settings.second_model, np.arange(len(current.chunks)))
        for c, vector in zip(current.chunks, vectors, strict=True):
            multilingual.setdefault(indexed_text(c, current.document(c.doc_id), settings)[0], vector)
    return own


def _known(current: Index, space: str, settings: Settings) -> _Known:
    """The vectors of ``space`` (one with sentence vectors) in ``current``, by the text each
    chunk was embedded as."""
    if not current.chunks:
        return {}
    vectors = current.chunk_vectors(space, np.arange(len(current.chunks)))
    sentence_vectors = current.sentence_vectors(space, np.arange(len(current.sentences)))
    known: _Known = {}
    for c, vector in zip(current.chunks, vectors, strict=True):
        text, shift = indexed_text(c, current.document(c.doc_id), settings)
        rows = range(c.first_sentence, c.last_sentence + 1)
        by_span = {(int(current.sentences[s, 1]) - c.start + shift, int(current.sentences[s, 2]) - c.start + shift):
                   sentence_vectors[s] for s in rows}
        known.setdefault(text, (vector, by_span))
    return known


def _manifest(snapshot: Snapshot, settings: Settings, seconds: float) -> dict:
    """What the manifest says of a build besides what its store adds (dimensions, index kind)."""
    per_doc: dict[str, int] = {}
    for c in snapshot.chunks:
        per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
    sources = []
    for d in snapshot.documents:
        row = {"id": d.id, "title": d.title, "source": d.source, "sha256": d.sha256, "language": d.language,
               "chars": len(d.text), "chunks": per_doc.get(d.id, 0)}
        if d.source and d.source != BUNDLED_SOURCE and Path(d.source).is_file():
            row["file_sha256"] = storage.sha256_file(Path(d.source))
        sources.append(row)
    try:
        package_version = version("articleqa")
    except PackageNotFoundError:
        package_version = "unknown"
    return {
        "format_version": storage.FORMAT_VERSION,
        "package_version": package_version,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "model": settings.model,
        "settings": {f: getattr(settings, f) for f in RECORDED if f != "model"},
        "counts": {"documents": len(snapshot.documents), "chunks": len(snapshot.chunks),
                   "sentences": len(snapshot.sentences)},
        "build_seconds": round(seconds, 3),
        "sources": sources,
    }
