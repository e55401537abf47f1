"""File formats to text with structure: headings (level and span) and, for PDFs, pages.

Each reader turns a file's bytes into a ``Parsed``: the text to index, in which every heading
is a block of its own, plus the headings' spans and the pages' start offsets. Headings are
metadata: the index never makes a sentence of one (see ``qa.building``).

- Markdown: markdown-it-py's tokens (CommonMark and tables), not regexes: emphasis and links
  become their text, a paragraph's wrapped lines one line, table rows ``a | b``.
- HTML: trafilatura finds the main text (navigation, menus and footers left out) and gives it
  as XML blocks; inline tags are only words of their block, so they never split a sentence.
- PDF: pypdf's text per page; a sentence running across a page break is joined, and a line
  that heads or foots most pages (a running header, "Page 3 of 9") is dropped.
- Word (.docx): python-docx's paragraphs and tables in order; ``Title`` and ``Heading N``
  styles are headings.
"""

from __future__ import annotations

import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass

from qa.errors import SourceError

_TITLE_MAX = 120
_SENTENCE_END = re.compile(r"[.!?…:;\"”’)\]]\s*$")


@dataclass(frozen=True)
class Parsed:
    """A file's text and structure. ``headings``: ``(start, end, level)`` spans of ``text``,
    in order; ``pages``: the offset where each page starts (empty: not paged)."""

    title: str
    text: str
    headings: tuple[tuple[int, int, int], ...] = ()
    pages: tuple[int, ...] = ()


class _Blocks:
    """Text assembled a block at a time (blocks apart by a blank line), headings recorded."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.headings: list[tuple[int, int, int]] = []
        self.pages: list[int] = []
        self._pages_waiting = 0  # pages begun whose first text is still to come

    def add(self, text: str, level: int = 0, *, join: bool = False) -> None:
        """Add a block (a heading of ``level`` when > 0); ``join``: continue the last block."""
        text = re.sub(r"[ \t\u00a0]+", " ", text.replace("\x00", "")).strip()
        if not text:
            return
        if self._parts:
            self._put(" " if join else "\n\n")
        start = self._length
        self.pages += [start] * self._pages_waiting
        self._pages_waiting = 0
        self._put(text)
        if level:
            self.headings.append((start, self._length, level))

    def page(self) -> None:
        """The next block starts a new page."""
        self._pages_waiting += 1

    def _put(self, s: str) -> None:
        self._parts.append(s)
        self._length += len(s)

    def parsed(self, title: str = "") -> Parsed:
        text = "".join(self._parts)
        if not title:
            title = next((text[a:b] for a, b, _ in self.headings), "") or first_line_title(text)
        pages = tuple(self.pages) + (len(text),) * self._pages_waiting  # trailing empty pages
        return Parsed(title[:_TITLE_MAX], text, tuple(self.headings), pages)


def first_line_title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= _TITLE_MAX else ""
    return ""


def plain_text(text: str) -> Parsed:
    """A plain text; its first line is its title heading when it reads as one (short, on a
    line of its own, not ending like a sentence)."""
    lines = text.split("\n", 2)
    first = lines[0].strip()
    if (len(lines) > 1 and first and len(first) <= _TITLE_MAX and not _SENTENCE_END.search(first)
            and not lines[1].strip()):
        start = text.index(first)
        return Parsed(first, text, ((start, start + len(first), 1),))
    return Parsed(first_line_title(text), text)


# --- Markdown ------------------------------------------------------------------------------------


def markdown_text(source: str) -> Parsed:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    out = _Blocks()
    row: list[str] = []
    bullet: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            out.add(_inline(tokens[i + 1]), int(tok.tag[1]))
        elif tok.type == "bullet_list_open":
            bullet.append("• ")
        elif tok.type == "ordered_list_open":
            bullet.append("")
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            bullet.pop()
        elif tok.type == "inline" and tokens[i - 1].type == "paragraph_open":
            in_item = bool(bullet) and tokens[i - 2].type == "list_item_open"
            if not in_item and _bold_line(tok):  # "**Results**" on a line of its own: a heading
                out.add(_inline(tok), 6)
                continue
            prefix = (bullet[-1] or f"{tokens[i - 2].info or '1'}. ") if in_item else ""
            out.add(prefix + _inline(tok))
        elif tok.type in ("th_open", "td_open"):
            row.append(_inline(tokens[i + 1]))
        elif tok.type == "tr_close":
            out.add(" | ".join(row))
            row = []
        elif tok.type in ("fence", "code_block"):
            out.add(tok.content.rstrip("\n"))
        elif tok.type == "html_block":
            out.add(re.sub(r"<[^>]*>", " ", tok.content))
    return out.parsed()


def _bold_line(token) -> bool:
    """Whether an inline token is one bold (or italic) run and nothing else, short."""
    kids = [c for c in token.children or [] if not (c.type == "text" and not c.content.strip())]
    return (len(kids) >= 3 and kids[0].type in ("strong_open", "em_open")
            and kids[-1].type in ("strong_close", "em_close") and all(c.type == "text" for c in kids[1:-1])
            and len(token.content) <= _TITLE_MAX)


def _inline(token) -> str:
    """The words of an inline token: markup gone, soft line breaks as spaces."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)  # its alt text
    return "".join(parts)


# --- HTML ----------------------------------------------------------------------------------------


def html_text(data: bytes, name: str) -> Parsed:
    import trafilatura
    from lxml import etree

    if b"\x00" in data[:8192]:
        raise SourceError(f"{name} looks like binary data, not HTML")
    try:
        xml = trafilatura.extract(data, output_format="xml", include_formatting=True, include_tables=True,
                                  include_links=False, include_images=False, include_comments=False,
                                  with_metadata=True, favor_recall=True)
    except (ValueError, TypeError, etree.LxmlError):
        xml = None
    if not xml:  # no main text found (a fragment, a bare page): all its text
        try:
            whole = trafilatura.html2txt(data) or ""
            meta = trafilatura.extract_metadata(data)
        except (ValueError, TypeError, etree.LxmlError):
            whole, meta = "", None
        out = _Blocks()
        for line in whole.splitlines():
            out.add(line)
        return out.parsed(meta.title if meta and meta.title else "")
    root = etree.fromstring(xml.encode("utf-8"))
    out = _Blocks()
    for el in root.iter("head", "p", "item", "quote", "code", "row"):
        if el.tag == "row":
            out.add(" | ".join(" ".join("".join(c.itertext()).split()) for c in el.iter("cell")))
        elif el.getparent() is not None and el.getparent().tag in ("p", "item", "quote", "cell", "head"):
            continue  # inside a block already taken whole
        elif el.tag == "head":
            rend = el.get("rend", "")
            out.add(" ".join("".join(el.itertext()).split()), int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2)
        elif el.tag == "code":
            out.add("".join(el.itertext()))
        elif not any(c.tag in ("p", "item", "list") for c in el):
            out.add(" ".join("".join(el.itertext()).split()))
    # trafilatura's title: the page's own (og:title, <title> without the site's name, <h1>)
    return out.parsed(root.get("title") or "")


# --- PDF -----------------------------------------------------------------------------------------


def pdf_text(data: bytes, name: str) -> Parsed:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            raise SourceError(f"{name} is an encrypted PDF: decrypt it first (qpdf --decrypt in.pdf out.pdf)")
        pages = [_page_lines(page) for page in reader.pages]
        meta = reader.metadata
        title = str(meta.title).strip() if meta and meta.title else ""
    except SourceError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError, IndexError,
            RecursionError, NotImplementedError, ZeroDivisionError) as e:
        raise SourceError(f"{name} is not a readable PDF ({type(e).__name__}): check the file") from e
    pages = _without_running_lines(pages)
    out = _Blocks()
    last = ""
    for page, blocks in zip(pages, _pdf_blocks(pages), strict=True):
        out.page()
        for n, (lines, level) in enumerate(blocks):
            text = " ".join(page[i].text.strip() for i in lines)
            # A sentence that runs on over the page break continues the last page's paragraph.
            join = (n == 0 and not level and bool(last) and not _SENTENCE_END.search(last)
                    and text[:1].islower())
            out.add(text, level, join=join)
            last = "" if level else text
    parsed = out.parsed(title)
    if not parsed.text.strip():
        raise SourceError(f"{name} has no text layer (a scanned PDF?): run OCR on it first (ocrmypdf)")
    return parsed


@dataclass
class _Line:
    """A line of a PDF page: its text, baseline height on the page (None: not known), and the
    font size and boldness of most of its characters."""

    text: str
    y: float | None = None
    size: float = 0.0
    bold: bool = False


def _page_lines(page: object) -> list[_Line]:
    """The page's lines as pypdf extracts them, each with its height and font (from pypdf's
    text visitor). Where the visitor's pieces do not add up to the extracted text, the lines
    come without them, and are read as one paragraph per blank-line-separated block."""
    pieces: list[tuple[str, float, float, bool]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: dict | None, size: float) -> None:
        m = [tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
             tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3],
             tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]]
        base = str((font or {}).get("/BaseFont", ""))
        pieces.append((text, m[5], abs(size * (m[2] ** 2 + m[3] ** 2) ** 0.5), "bold" in base.lower()))

    def lf(text: str) -> str:
        return text.replace("\r\n", "\n").replace("\r", "\n")

    extracted = lf(page.extract_text(visitor_text=visit) or "")  # type: ignore[attr-defined]
    if lf("".join(p[0] for p in pieces)) != extracted:
        return [_Line(line) for line in extracted.split("\n")]
    lines: list[_Line] = []
    weights: list[Counter] = []
    current: _Line | None = None
    for text, y, size, bold in pieces:
        for i, part in enumerate(lf(text).split("\n")):
            if i:
                current = None
            if not part:
                continue
            if current is None:
                current = _Line("", y)
                lines.append(current)
                weights.append(Counter())
            current.text += part
            weights[-1][(round(size * 2) / 2, bold)] += len(part.strip())
    for line, weight in zip(lines, weights, strict=True):
        if weight:
            line.size, line.bold = weight.most_common(1)[0][0]
    return lines


def _pdf_blocks(pages: list[list[_Line]]) -> list[list[tuple[list[int], int]]]:
    """Each page's lines grouped into blocks ``(line indexes, heading level or 0)``: a block
    ends at a wider gap than its lines' usual spacing, a change to or from a heading's type
    (larger or bold), or a blank line; a short block in a larger font than the body's (or bold, where the body is
    not), not ending like a sentence, is a heading, its level by size."""
    chars = Counter()
    for page in pages:
        for line in page:
            if line.y is not None:
                chars[line.size] += len(line.text.strip())
    body = chars.most_common(1)[0][0] if chars else 0.0
    bold_body = 2 * sum(len(line.text.strip()) for page in pages for line in page
                        if line.y is not None and line.size == body and line.bold) > chars.get(body, 0)
    gaps: dict[float, list[float]] = {}
    for page in pages:
        for a, b in itertools.pairwise(page):
            if a.y is not None and b.y is not None and a.size == b.size and a.y > b.y:
                gaps.setdefault(a.size, []).append(a.y - b.y)
    pitch = {size: sorted(g)[len(g) // 2] for size, g in gaps.items()}

    def spacing(size: float) -> float:
        return pitch.get(size) or (pitch[body] * size / body if pitch.get(body) and body else 1.25 * size)

    def type_of(line: _Line) -> tuple[float, bool]:
        """What tells a heading's lines from the body's: a larger size, or bold (a change of
        size within the body, such as a line of code, does not end its paragraph)."""
        return (line.size if line.size >= 1.15 * body else 0.0), line.bold and not bold_body

    out = []
    for page in pages:
        blocks: list[list[int]] = []
        for i, line in enumerate(page):
            if not line.text.strip():
                if blocks and blocks[-1]:
                    blocks.append([])
                continue
            prev = page[blocks[-1][-1]] if blocks and blocks[-1] else None
            new = prev is None or (line.y is not None and prev.y is not None and (
                type_of(line) != type_of(prev)
                or not 0 < prev.y - line.y <= 1.4 * spacing(max(line.size, prev.size))))
            if not blocks or (new and blocks[-1]):
                blocks.append([])
            blocks[-1].append(i)
        blocks = [b for b in blocks if b]
        out.append([(b, _heading_size(page, b, body, bold_body)) for b in blocks])
    sizes = sorted({lvl for page in out for _, lvl in page if lvl}, reverse=True)
    return [[(b, sizes.index(lvl) + 1 if lvl else 0) for b, lvl in page] for page in out]


def _heading_size(page: list[_Line], block: list[int], body: float, bold_body: bool) -> float:
    """The block's font size if it reads as a heading (bold at the body's size, where the body
    is not bold, ranks below every larger size), else 0."""
    first = page[block[0]]
    text = " ".join(page[i].text.strip() for i in block)
    if first.y is None or not body or len(block) > 3 or len(text) > _TITLE_MAX or _SENTENCE_END.search(text):
        return 0.0
    if first.size >= 1.15 * body:
        return first.size
    if first.bold and not bold_body and first.size >= 0.95 * body:
        return body * 1.001  # below any larger heading, above the body
    return 0.0


def _without_running_lines(pages: list[list[_Line]]) -> list[list[_Line]]:
    """Pages without the first and last lines that repeat (numbers aside) on most pages and
    are shorter than a full line of text: a running header or footer ("Chapter 3: Reference",
    a page number) is; the first line of pages of a form filled in alike is not."""
    if len(pages) < 2:
        return pages
    lengths = sorted(len(line.text.strip()) for page in pages for line in page if line.text.strip())
    if not lengths:
        return pages
    short = 0.75 * lengths[int(0.9 * (len(lengths) - 1))]  # of the longest lines: a full line

    def key(line: _Line) -> str | None:
        text = " ".join(line.text.split())
        return re.sub(r"\d+", "#", text).lower() if len(text) <= short else None

    ends = Counter()
    for page in pages:
        lines = [line for line in page if line.text.strip()]
        ends.update({key(line) for line in lines[:2] + lines[-2:]} - {None})
    running = {k for k, n in ends.items() if n >= max(2, (len(pages) + 1) // 2)}
    out = []
    for page in pages:
        filled = [i for i, line in enumerate(page) if line.text.strip()]
        edge = set(filled[:2] + filled[-2:])
        out.append([line for i, line in enumerate(page) if not (i in edge and key(line) in running)])
    return out


def _opens_without_password(reader: object) -> bool:
    """Whether an encrypted PDF opens with the empty password (many are only "protected")."""
    from pypdf.errors import PyPdfError

    try:
        return bool(reader.decrypt(""))  # type: ignore[attr-defined]
    except (PyPdfError, ValueError, NotImplementedError):  # AES without the cryptography package
        return False


# --- Word ----------------------------------------------------------------------------------------


def docx_text(data: bytes, name: str) -> Parsed:
    import zipfile
    import zlib

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    out = _Blocks()
    try:
        document = docx.Document(io.BytesIO(data))
        title = document.core_properties.title or ""
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                for row in block.rows:
                    out.add(" | ".join(" ".join(cell.text.split()) for cell in row.cells))
                continue
            style = (block.style.name if block.style is not None else "") or ""
            heading = re.fullmatch(r"Heading (\d)", style)
            out.add(block.text, 1 if style == "Title" else int(heading.group(1)) if heading else 0)
    except (PackageNotFoundError, zipfile.BadZipFile, zlib.error, KeyError, ValueError, AttributeError, TypeError,
            IndexError, OSError, EOFError, SyntaxError, NotImplementedError, RecursionError) as e:  # lxml: SyntaxError
        raise SourceError(f"{name} is not a readable Word file ({type(e).__name__}): "
                          "save it again as .docx from Word") from e
    return out.parsed(title)
