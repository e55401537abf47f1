"""Documents and reading them from files: .txt, .md, .html, .pdf, .docx, or a folder of those."""

from __future__ import annotations

import bisect
import codecs
import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from qa.errors import SourceError
from qa.ingest import formats
from qa.models.language import detect as detect_language

log = logging.getLogger("qa")

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
KINDS = ".txt, .md, .html, .pdf or .docx"  # how messages name them
BUNDLED_ID = "putin_digitalization"
BUNDLED_SOURCE = "bundled:putin_digitalization.txt"


@dataclass(frozen=True)
class Document:
    """A text to index.

    Attributes:
        id: unique within an index; citations and evidence spans refer to it.
        text: the full text; chunk and evidence offsets index into it.
        title: shown beside answers; defaults to the id.
        source: where the text came from (a file path), if anywhere.
        headings: ``(start, end, level)`` spans of the text that are headings (level 1 is
            the top): shown with citations and used in retrieval, never quoted as an answer.
        pages: where each page starts in the text (PDFs); empty when not paged.
        language: ISO 639-1 code of the text's language ("en", "ru"); told from the text
            when not given (``qa.models.language``).
    """

    id: str
    text: str
    title: str = ""
    source: str | None = None
    headings: tuple[tuple[int, int, int], ...] = ()
    pages: tuple[int, ...] = ()
    language: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise SourceError(f"a Document needs a non-empty id; got {self.id!r}")
        if not isinstance(self.text, str):
            raise SourceError(f"Document {self.id!r}: text must be a str, not {type(self.text).__name__}")
        if "\x00" in self.text:
            # A NUL byte means binary data; it would also cut strings in the native libraries.
            raise SourceError(f"Document {self.id!r} contains NUL bytes: it looks like binary data, not text")
        if not self.text.strip():
            raise SourceError(f"Document {self.id!r} has no text: give it some text or leave it out")
        if not self.title:
            object.__setattr__(self, "title", self.id)
        object.__setattr__(self, "headings", tuple(tuple(h) for h in self.headings))
        object.__setattr__(self, "pages", tuple(self.pages))
        if not self.language:
            object.__setattr__(self, "language", detect_language(self.text))
        last = 0
        for start, end, level in self.headings:
            if not (last <= start < end <= len(self.text)) or level < 1:
                raise SourceError(f"Document {self.id!r}: heading span {(start, end, level)} is out of order "
                                  "or outside the text")
            last = end
        if list(self.pages) != sorted(self.pages) or any(not 0 <= p <= len(self.text) for p in self.pages):
            raise SourceError(f"Document {self.id!r}: page starts must be ascending offsets into the text")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def section(self, offset: int) -> tuple[str, ...]:
        """The headings over ``offset``, outermost first, without a top heading that only
        repeats the title ("Warsaw", "History" for a paragraph under "## History")."""
        path: list[tuple[int, str]] = []
        for start, end, level in self.headings:
            if start > offset:
                break
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, self.text[start:end]))
        names = [name for _, name in path]
        if names and names[0].strip().casefold() == self.title.strip().casefold():
            names = names[1:]
        return tuple(names)

    def page(self, offset: int) -> int | None:
        """The page (from 1) that holds ``offset``, or None when the document is not paged."""
        return bisect.bisect_right(self.pages, offset) or 1 if self.pages else None

    def body(self) -> list[tuple[int, int]]:
        """The spans of the text between headings: what sentences are made of."""
        spans, pos = [], 0
        for start, end, _ in self.headings:
            if start > pos:
                spans.append((pos, start))
            pos = end
        if pos < len(self.text):
            spans.append((pos, len(self.text)))
        return spans


def bundled_document() -> Document:
    """The article that ships with the package (Putin on digitalization and cyber security)."""
    text = resources.files("qa").joinpath("data/putin_digitalization.txt").read_text("utf-8")
    parsed = formats.plain_text(text)
    return Document(id=BUNDLED_ID, text=text, title=parsed.title or BUNDLED_ID, source=BUNDLED_SOURCE,
                    headings=parsed.headings)


def load_documents(sources: Iterable[str | Path | Document] | None, *,
                   max_file_bytes: int) -> list[Document]:
    """Read every source into a Document; ``None`` means the bundled article.

    Raises:
        SourceError: a path is missing, unsupported, empty, binary, too large or unreadable,
            or two documents share an id.
    """
    if sources is None:
        return [bundled_document()]
    if isinstance(sources, (str, Path, Document)):
        sources = [sources]
    docs: list[Document] = []
    for source in sources:
        if isinstance(source, Document):
            docs.append(source)
        elif isinstance(source, (str, Path)):
            docs.extend(_read_path(Path(source), max_file_bytes))
        else:
            raise SourceError(f"a source must be a path or a qa.Document, not {type(source).__name__}")
    if not docs:
        raise SourceError(f"no documents given: name a file or folder of {KINDS}")
    seen: dict[str, Document] = {}
    for doc in docs:
        if doc.id in seen:
            raise SourceError(
                f"two documents have the id {doc.id!r} ({seen[doc.id].source or 'in memory'} and "
                f"{doc.source or 'in memory'}): rename one"
            )
        seen[doc.id] = doc
    return docs


def _read_path(path: Path, max_file_bytes: int) -> Iterator[Document]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
        supported = [p for p in files if p.suffix.lower() in SUPPORTED_SUFFIXES]
        skipped = [p for p in files if p.suffix.lower() not in SUPPORTED_SUFFIXES]
        if skipped:
            log.warning("skipped %d file(s) of unsupported type in %s: %s", len(skipped), path,
                        ", ".join(p.name for p in skipped[:5]) + (" ..." if len(skipped) > 5 else ""))
        if not supported:
            raise SourceError(f"{path} has no {KINDS} files: add some or name files directly")
        for p in supported:
            yield read_file(p, max_file_bytes=max_file_bytes, doc_id=p.relative_to(path).as_posix())
        return
    yield read_file(path, max_file_bytes=max_file_bytes)


def _hidden(p: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in p.relative_to(root).parts)


def read_file(path: str | Path, *, max_file_bytes: int, doc_id: str | None = None) -> Document:
    """Read one .txt, .md, .html, .pdf or .docx file into a Document.

    Raises:
        SourceError: missing, unsupported type, too large, empty, binary, or unreadable.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise SourceError(f"{path} does not exist: check the path")
    if not path.is_file():
        raise SourceError(f"{path} is not a file or folder")
    if suffix not in SUPPORTED_SUFFIXES:
        raise SourceError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; use {KINDS}"
        )
    size = path.stat().st_size
    if size > max_file_bytes:
        raise SourceError(
            f"{path} is {size:,} bytes, over the {max_file_bytes:,}-byte limit "
            "(Settings.max_file_bytes): split it or raise the limit"
        )
    parsed = parse_bytes(path.read_bytes(), suffix, name=str(path))
    return Document(id=doc_id or path.name, text=parsed.text, title=parsed.title or path.stem,
                    source=str(path.resolve()), headings=parsed.headings, pages=parsed.pages)


def parse_bytes(data: bytes, suffix: str, *, name: str) -> formats.Parsed:
    """Turn a file's bytes into its text and structure by its type. Raises SourceError."""
    if not data.strip():
        raise SourceError(f"{name} is empty: give a file with text")
    if suffix == ".pdf":
        parsed = formats.pdf_text(data, name)
    elif suffix == ".docx":
        parsed = formats.docx_text(data, name)
    elif suffix in (".html", ".htm"):
        parsed = formats.html_text(data, name)
    elif suffix == ".md":
        parsed = formats.markdown_text(_normalize(decode_text(data, name)))
    else:
        parsed = formats.plain_text(_normalize(decode_text(data, name)))
    if not parsed.text.strip():
        raise SourceError(f"{name} has no text (only whitespace or markup): give a file with text")
    return parsed


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


_COMMON_CODE_PAGES = ("cp1252", "cp1251", "cp1250", "latin_1", "iso8859_15", "koi8_r", "cp1253", "cp1254")


def decode_text(data: bytes, name: str) -> str:
    """Decode by byte-order mark (UTF-8, UTF-16, UTF-32: what Windows tools save), else
    UTF-8, else the most likely legacy encoding (cp1251, latin-1...)."""
    for bom, encoding in _BOMS:  # UTF-32 first: its little-endian mark starts like UTF-16's
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as e:
                raise SourceError(f"{name} starts with a {encoding} byte-order mark but is not {encoding} "
                                  f"({e.reason} at byte {e.start}): save it as UTF-8") from e
    if b"\x00" in data[:8192]:
        raise SourceError(f"{name} looks like binary data, not text: give a {KINDS} file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:1_000_000])
    # Of the encodings that fit, the everyday code pages first: detection on a short text
    # otherwise picks rare DOS ones (cp775 reads "flüsse" as "fl³sse"). Among those, the one
    # that reads as lower-case text: cp1251 Russian also decodes as KOI8-R, in capitals.
    common = [m for m in matches if m.encoding in _COMMON_CODE_PAGES]
    best = max(common, key=_lower_case_share) if common else matches.best()
    if best is None:
        raise SourceError(
            f"{name} is not UTF-8 and its encoding could not be detected: save it as UTF-8"
        )
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError) as e:
        raise SourceError(f"{name} could not be decoded as {best.encoding}: save it as UTF-8") from e
    if _few_cjk_in_latin(text):
        # A few accented letters in Western text (latin-1, cp1252) also decode as East Asian
        # double-byte pairs ("über" as "黚er"); such text is Western.
        return data.decode("cp1252", errors="replace")
    return text


def _lower_case_share(match) -> float:
    letters = [ch for ch in str(match) if ch.isalpha()]
    return sum(ch.islower() for ch in letters) / len(letters) if letters else 0.0


def _few_cjk_in_latin(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    cjk = sum(1 for ch in letters if ord(ch) >= 0x2E80)
    return 0 < cjk < 0.2 * len(letters)


def _normalize(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
