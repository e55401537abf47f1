"""Sentences and chunks, as character spans into a document's text.

Sentence boundaries come from blingfire inside each paragraph (a blank line always ends a
sentence); a sentence longer than the chunk size is cut at whitespace, so no unit is ever
larger than a chunk.
"""

from __future__ import annotations

import re

import blingfire

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_WHITESPACE = re.compile(r"\s")


def split_sentences(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``, each stripped and at most ``max_chars`` long."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        spans.extend(_paragraph_sentences(text, start, m.start(), max_chars))
        start = m.end()
    spans.extend(_paragraph_sentences(text, start, len(text), max_chars))
    return spans


def _paragraph_sentences(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    paragraph = text[start:end]
    if not paragraph.strip():
        return []
    _, offsets = blingfire.text_to_sentences_and_offsets(paragraph)
    spans = []
    pos = 0
    for a, b in offsets or [(0, len(paragraph))]:
        # Guard against offsets that go backwards or past the end; keep text contiguous.
        a, b = max(a, pos), min(b, len(paragraph))
        if b > a:
            spans.append((a, b))
            pos = b
    if not spans:
        spans = [(0, len(paragraph))]
    # Anything blingfire left out between sentences joins the sentence before it.
    joined = [(spans[i][0] if i else 0, spans[i + 1][0] if i + 1 < len(spans) else len(paragraph))
              for i in range(len(spans))]
    out = []
    for a, b in joined:
        for s, e in _cut_long(paragraph, a, b, max_chars):
            s, e = _strip(paragraph, s, e)
            if e > s:
                out.append((start + s, start + e))
    return out


def _strip(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _cut_long(text: str, a: int, b: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut [a, b) into pieces of at most max_chars, at the last whitespace when there is one."""
    pieces = []
    while b - a > max_chars:
        cut = a + max_chars
        space = max((m.start() for m in _WHITESPACE.finditer(text, a + max_chars // 2, cut)),
                    default=-1)
        if space > a:
            cut = space
        pieces.append((a, cut))
        a = cut
    pieces.append((a, b))
    return pieces


def chunk_spans(sentences: list[tuple[int, int]], size: int, overlap: int,
                inside: list[bool] | None = None) -> list[tuple[int, int]]:
    """Group consecutive sentences into chunks of at most ``size`` characters.

    Returns ``(first, last)`` sentence indices (inclusive) for each chunk. The next chunk
    starts with the trailing sentences of the previous one that fit in ``overlap`` characters;
    where that sentence is ``inside`` a quotation (``inside_quotation``), with the sentence that
    opens it or the first after it closes (``_out_of_quotation``): a passage does not begin
    with the end of someone's words, `All of them should be implemented,” he said.`
    """
    chunks: list[tuple[int, int]] = []
    n = len(sentences)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and sentences[j + 1][1] - sentences[i][0] <= size:
            j += 1
        chunks.append((i, j))
        if j == n - 1:
            break
        k = j + 1
        while k - 1 > i and sentences[j][1] - sentences[k - 1][0] <= overlap:
            k -= 1
        if inside and k <= j and inside[k]:
            k = _out_of_quotation(sentences, inside, i, j, k, overlap)
        i = k
    return chunks


# --- quotations -------------------------------------------------------------------------------

QUOTES = "“”\"‘’«»"
OPENING, CLOSING = "“«", "”»"  # unambiguous ones only: ’ is also an apostrophe, " both
_QUOTATION_MARK = re.compile(f'[{OPENING}{CLOSING}"]')


def straight_quote(text: str, at: int) -> str | None:
    """Whether the straight quotation mark at ``text[at]`` opens a quotation (after a space or a
    bracket, before a word: ' "take'), closes one (after a word, before a space or punctuation:
    'day", she'), or neither (an inch mark after a digit, or a mark between two spaces)."""
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    if before.isdigit():
        return None
    if (before.isspace() or before in "([{/–—") and not after.isspace():
        return "opening"
    if not before.isspace() and (after.isspace() or after in ".,;:!?)]}–—"):
        return "closing"
    return None


def opens_quotation(text: str, at: int) -> bool:
    """Whether the quotation mark at ``text[at]`` opens a quotation."""
    return text[at] in OPENING or (text[at] == '"' and straight_quote(text, at) == "opening")


def quotation_marks(text: str, start: int, end: int) -> list[int]:
    """The positions of the quotation marks in ``text[start:end]`` that open or close one."""
    return [m.start() for m in _QUOTATION_MARK.finditer(text, max(0, start), max(0, end))
            if m.group() != '"' or straight_quote(text, m.start()) is not None]


def _out_of_quotation(sentences: list[tuple[int, int]], inside: list[bool], i: int, j: int, k: int,
                      overlap: int) -> int:
    """Where the chunk after sentences ``i``..``j`` starts instead of ``k``, a sentence inside a
    quotation: the sentence that opens it, where the overlap stays within twice ``overlap``;
    else the first sentence after the quotation closes, within the chunk; else ``k``."""
    opening = k
    while opening - 1 > i and inside[opening]:
        opening -= 1
    if not inside[opening] and sentences[j][1] - sentences[opening][0] <= 2 * overlap:
        return opening
    after = k
    while after <= j and inside[after]:
        after += 1
    return after if after <= j or not inside[after] else k  # after j: the next chunk's start, j + 1


def inside_quotation(text: str, sentences: list[tuple[int, int]]) -> list[bool]:
    """Whether each of ``sentences`` (spans of ``text``, in order) begins inside a quotation
    that an earlier one of its paragraph opened. One pass over the text."""
    out, opened, at = [], False, sentences[0][0] if sentences else 0
    for s, e in sentences:
        if _PARAGRAPH_BREAK.search(text, at, s):
            opened = False
        for i in quotation_marks(text, at, s):
            opened = opens_quotation(text, i)
        out.append(opened)
        for i in quotation_marks(text, s, e):
            opened = opens_quotation(text, i)
        at = e
    return out
