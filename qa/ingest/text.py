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


def chunk_spans(sentences: list[tuple[int, int]], size: int, overlap: int) -> list[tuple[int, int]]:
    """Group consecutive sentences into chunks of at most ``size`` characters.

    Returns ``(first, last)`` sentence indices (inclusive) for each chunk. The next chunk
    starts with the trailing sentences of the previous one that fit in ``overlap`` characters.
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
        i = k
    return chunks
