"""What the reader reads before a passage: who "he", "she" and "the minister" are.

News names its subject once, in the headline and the lead sentence, and then by pronoun or
title ("He thanked ...", "the head of state stressed ..."). A passage read alone cannot say
whom it is about, so the reader reads each passage after its document's context:

- the title (and section headings, where the document has them);
- the lead: the document's first sentence, unless the passage holds it;
- the last sentence before the passage that names someone (a run of capitalized words not
  at its start), unless that is the lead.

No answer is ever taken from the context (``qa.models.reading.decode``'s ``skips``). The same
functions make the context in training (``training/train_reader.py``, over SQuAD articles)
and in the product (an index gives each passage its ``lead`` and ``named``; the reader stage
reads them), so the reader reads as it was trained. Pure text: no model, no index.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.ingest.text import split_sentences

FORMATS = ("none", "title", "lead", "named")  # each adds to the one before it
_MAX_SENTENCE = 240  # characters of a context sentence kept (a long one is cut at a space)
_MAX_TITLE = 120
# Someone named: two or more capitalized words ("Vladimir Putin", "Ines Carvalhal") not at the
# sentence's start (or at it before a comma or a verb of speech: "Rui Patacas, chief
# executive, said"), a title before a name ("Mayor Carvalhal"), or one capitalized word
# beside a verb of speech ("Carvalhal noted", "said Patacas", "according to Putin").
_SPEECH = r"(?:said|says|noted|stressed|added|told|recalled|urged|warned|stated|wrote|writes|explained|announced)"
_NAME = re.compile(
    r"(?<=[a-z,;:] )[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+"
    r"|\b(?:Mr|Mrs|Ms|Dr|President|Prime Minister|Minister|Mayor|Governor|Senator|Chancellor|King|Queen)\.? [A-Z][a-z]+"
    rf"|\b[A-Z][a-z]+ {_SPEECH}\b|\b{_SPEECH} [A-Z][a-z]+|\b[Aa]ccording to [A-Z][a-z]+"
    rf"|^(?:[A-Z][a-z]+ ){{1,2}}[A-Z][a-z]+(?:,| {_SPEECH}\b)")


def names_someone(sentence: str) -> bool:
    """Whether ``sentence`` names someone or something by a proper name (``_NAME``)."""
    return _NAME.search(sentence) is not None


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > limit // 2 else limit] + " …"


def around(text: str, sentences: Sequence[tuple[int, int]], start: int) -> tuple[str, str]:
    """Who a passage that starts at ``start`` in ``text`` is about: ``(lead, named)``, the
    document's first sentence and the last sentence before the passage that names someone
    (not the lead), each "" when there is none before the passage.

    ``sentences`` are the document's sentence spans ``(start, end)`` in order (headings
    excluded); only its first and those just before ``start`` are needed.
    """
    before = [(a, b) for a, b in sentences if b <= start]
    if not before:
        return "", ""
    named = next((s for s in reversed(before[1:]) if names_someone(text[s[0]:s[1]])), None)
    return text[before[0][0]:before[0][1]], "" if named is None else text[named[0]:named[1]]


def reading_context(heading: str, lead: str, named: str, form: str = "lead") -> str:
    """The context the reader reads before a passage, as lines.

    Args:
        heading: its document's title (and sections: "Warsaw › History").
        lead, named: ``around``'s: the document's lead sentence, and the last sentence before
            the passage that names someone ("" for none).
        form: how much to read (``FORMATS``): ``"none"``, ``"title"``, ``"lead"`` (title and
            lead sentence) or ``"named"`` (also the named sentence).

    Returns:
        The lines to read, joined by line breaks ("" for ``"none"``).
    """
    if form not in FORMATS:
        raise ValueError(f"form must be one of {FORMATS}. Currently, form is {form!r}")
    if form == "none":
        return ""
    lines = [_cut(heading, _MAX_TITLE)] if heading.strip() else []
    if form != "title" and lead:
        lines.append(_cut(lead, _MAX_SENTENCE))
        if form == "named" and named:
            lines.append(_cut(named, _MAX_SENTENCE))
    return "\n".join(lines)


def article_contexts(title: str, paragraphs: Sequence[str], form: str = "named") -> list[str]:
    """The context of each paragraph of an article (a SQuAD article: its paragraphs read in
    order as one document, blank lines apart), as ``reading_context`` makes it."""
    at = article_context_at(title, paragraphs, form)
    return [at(n) for n in range(len(paragraphs))]


def article_context_at(title: str, paragraphs: Sequence[str], form: str = "named") -> Callable[..., str]:
    """For an article given as paragraphs (read in order as one document, blank lines apart):
    the context of a passage that starts ``offset`` characters into paragraph ``n``,
    ``at(n, offset=0)``, as training reads it (``article_contexts``) and nearly as the bot
    reads a passage of the article indexed whole: the bot also cuts a sentence longer than a
    chunk, and looks back only ten sentences for the one that names someone."""
    text, starts = "", []
    for p in paragraphs:
        text += "\n\n" if text else ""
        starts.append(len(text))
        text += p
    sentences = split_sentences(text, len(text) + 1) if form != "none" else []

    def at(n: int, offset: int = 0) -> str:
        if form == "none":
            return ""
        return reading_context(title, *around(text, sentences, starts[n] + offset), form)

    return at
