"""The index folder on disk: a manifest, and the data files of one build beside it.

Layout::

    index/
      manifest.json          what was built, how, from what; names the data folder
      data-<stamp>/          vectors.faiss (chunk vectors by id), sentence_vectors.npy,
                             chunks.jsonl, documents.jsonl, sentences.npy, bm25-chunks/,
                             bm25-sentences/, multilingual/vectors.faiss (the multilingual
                             model's chunk vectors, once built)
      .lock                  held while a build writes

A build writes a new data folder beside the current one, then replaces ``manifest.json``
with ``os.replace`` (atomic), then deletes the old folder. A build killed at any point
leaves the previous manifest pointing at the previous, complete data. The multilingual
vectors come after, as a second snapshot (``extend``): the first one's files linked into a
new data folder with the new ones beside them, swapped in the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shlex
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from qa.errors import IndexBusyError, IndexLoadError
from qa.settings import Settings

# 2: chunk vectors keyed by id, sentence vectors from the chunk pass; 3: headings, pages;
# 4: document languages, analyzed in their language; the multilingual vectors;
# 5: no multilingual sentence vectors, the multilingual chunk vectors as a second snapshot
FORMAT_VERSION = 5
OLDEST_READABLE = 4  # a format-4 index reads as it was written (its multilingual sentence vectors used)
MANIFEST = "manifest.json"
_BUILDING = ".building-"
_DATA = "data-"


@dataclass(frozen=True)
class Summary:
    """What a manifest says of its index, typed: what it holds and how it was built."""

    documents: int
    chunks: int
    sentences: int
    build_seconds: float
    model: str
    multilingual: str | None  # the second vector space's model, if built
    chunks_per_document: Mapping[str, int]

    @classmethod
    def of(cls, manifest: dict[str, Any]) -> Summary:
        counts, second = manifest["counts"], manifest.get("multilingual")
        return cls(counts["documents"], counts["chunks"], counts["sentences"], float(manifest["build_seconds"]),
                   manifest["model"], second["model"] if second else None,
                   {row["id"]: row["chunks"] for row in manifest["sources"]})


def rebuild_hint(index_dir: Path, sources: list[str | None] | None = None) -> str:
    """The command that rebuilds ``index_dir`` from ``sources`` (as a manifest lists them).

    ``None`` means the sources are unknown (the manifest is unreadable); ``[]`` or only
    ``bundled:`` sources mean the bundled article, which ``qa build`` indexes by default.
    """
    target = index_option(index_dir)
    if sources is not None and all(s and s.startswith("bundled:") for s in sources):
        return f"qa build{target}"
    if sources and len(sources) <= 3 and all(s and not s.startswith("bundled:") for s in sources):
        return "qa build " + " ".join(shlex.quote(s) for s in sources if s) + target
    return f"qa build SOURCES{target}"


def index_option(index_dir: str | Path) -> str:
    """The ``--index`` option a command needs for ``index_dir`` ("" for the default, ./index)."""
    return "" if Path(index_dir) == Path("index") else f" --index {shlex.quote(str(index_dir))}"


def manifest_hint(index_dir: Path, manifest: dict[str, Any], model: str | None = None) -> str:
    """``rebuild_hint`` for the index of ``manifest``, with the options it was built with that
    are not the defaults (``model``: the model to rebuild with, instead of the manifest's)."""
    default, built = Settings(), manifest.get("settings")
    built = built if isinstance(built, dict) else {}
    options = []
    model = model or manifest.get("model")
    if isinstance(model, str) and model != default.model:
        options.append(f"--model {shlex.quote(model)}")
    for key in ("chunk_size", "chunk_overlap"):
        if isinstance(built.get(key), int) and built[key] != getattr(default, key):
            options.append(f"--{key.replace('_', '-')} {built[key]}")
    if built.get("multilingual") is False:  # as built (a multilingual model has no second one either)
        options.append("--no-multilingual")
    if isinstance(built.get("milvus_uri"), str) and built["milvus_uri"]:
        options.append(f"--milvus {shlex.quote(built['milvus_uri'])}")
    return " ".join([rebuild_hint(index_dir, manifest_sources(manifest)), *options])


def manifest_sources(manifest: dict[str, Any]) -> list[str | None]:
    return [row.get("source") for row in manifest.get("sources", [])]


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the folder's build lock, or raise IndexBusyError at once if another build holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / ".lock"), timeout=0)
    try:
        with lock:
            yield
    except Timeout:
        raise IndexBusyError(
            f"another build is writing {index_dir}: wait for it to finish, then try again"
        ) from None


def new_build_folder(index_dir: Path) -> Path:
    folder = index_dir / f"{_BUILDING}{uuid.uuid4().hex[:12]}"
    folder.mkdir(parents=True)
    return folder


def commit(index_dir: Path, building: Path, manifest: dict[str, Any],
           linked: dict[str, Any] | None = None) -> dict[str, Any]:
    """Make ``building`` the index's data: checksum it, rename it, then swap the manifest in.
    ``linked``: the manifest entries of files linked from the current data, kept as they are
    (not hashed again: a file damaged since stays caught).

    Returns the manifest as written (with the data folder and the files' checksums)."""
    data = index_dir / f"{_DATA}{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    files = {}
    for path in sorted(p for p in building.rglob("*") if p.is_file()):
        rel = path.relative_to(building).as_posix()
        if linked and rel in linked:
            files[rel] = linked[rel]
            continue
        _fsync(path)
        files[rel] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    os.rename(building, data)
    manifest = {**manifest, "data": data.name, "files": files}
    tmp = index_dir / f"{MANIFEST}.{uuid.uuid4().hex[:6]}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _fsync(tmp)
    os.replace(tmp, index_dir / MANIFEST)
    _fsync_dir(index_dir)
    for old in index_dir.iterdir():
        if old != data and (old.name.startswith((_DATA, _BUILDING)) or old.name.endswith(".tmp")):
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    return manifest


def extend(index_dir: Path, manifest: dict[str, Any], add: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """The index of ``manifest`` with more files: a new data folder holding its data's files
    (hard links; copies where the file system has none) and what ``add`` writes into it,
    committed like a build. ``add`` returns the manifest's new fields. The caller holds the
    build lock and has checked that ``manifest`` is still the index's.

    Returns the manifest as written."""
    building = new_build_folder(index_dir)
    try:
        current = index_dir / manifest["data"]
        for rel in manifest["files"]:
            (building / rel).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(current / rel, building / rel)
            except OSError:
                shutil.copy2(current / rel, building / rel)
        fields = add(building)
        return commit(index_dir, building, {**manifest, **fields, "format_version": FORMAT_VERSION},
                      linked=manifest["files"])
    except BaseException:
        discard(building)
        raise


def discard(building: Path) -> None:
    shutil.rmtree(building, ignore_errors=True)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest, checked for format; raises IndexLoadError naming the file and the fix."""
    path = index_dir / MANIFEST
    hint = rebuild_hint(index_dir)
    if not index_dir.is_dir():
        raise IndexLoadError(f"no index at {index_dir}: build one with `{rebuild_hint(index_dir, [])}`")
    if not path.is_file():
        raise IndexLoadError(f"no index at {index_dir} ({path} is missing): "
                             f"build one with `{rebuild_hint(index_dir, [])}`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        version = manifest["format_version"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as e:
        raise IndexLoadError(f"{path} is damaged ({type(e).__name__}): rebuild with `{hint}`") from e
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise IndexLoadError(
            f"{path} has format {version}, newer than this articleqa reads ({FORMAT_VERSION}): "
            f"upgrade articleqa (pip install -U articleqa) or rebuild with "
            f"`{manifest_hint(index_dir, manifest)}`"
        )
    if version < OLDEST_READABLE:
        raise IndexLoadError(
            f"{path} has format {version}, from an older articleqa (this one reads {OLDEST_READABLE} to "
            f"{FORMAT_VERSION}): "
            f"rebuild it with `{manifest_hint(index_dir, manifest)}`"
        )
    try:
        for key in ("model", "dimension", "data", "files", "sources", "settings", "multilingual"):
            manifest[key]
    except (KeyError, TypeError) as e:
        raise IndexLoadError(f"{path} is damaged ({type(e).__name__}): rebuild with `{hint}`") from e
    return manifest


def data_folder(index_dir: Path, manifest: dict[str, Any]) -> Path:
    """The manifest's data folder, after checking every file's size and checksum."""
    hint = manifest_hint(index_dir, manifest)
    data = index_dir / manifest["data"]
    for rel, meta in manifest["files"].items():
        path = data / rel
        if not path.is_file():
            raise IndexLoadError(f"{path} is missing: rebuild the index with `{hint}`")
        if path.stat().st_size != meta["bytes"] or _sha256(path) != meta["sha256"]:
            raise IndexLoadError(f"{path} is damaged (its checksum changed): rebuild the index with `{hint}`")
    return data


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sha256_file(path: Path) -> str:
    return _sha256(path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _fsync(path: Path) -> None:
    with path.open("rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
