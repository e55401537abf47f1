"""Misspelled words of an English question, read as the documents write them.

"how many organizations are opperating?": BM25 matches no misspelled word, and the reader reads
it as other wordpieces, so the bot declines what it answers when it is spelled right. A word
counts as misspelled only when it is neither English (pyspellchecker's list: 160,000 words,
mostly American spellings, with their frequency; or an inflection of one, or one with its
apostrophe left out: "wasnt") nor a word of the documents (its BM25 stem in the index). It is
then replaced by a word one edit away (a letter deleted, inserted or changed, or two swapped:
Norvig's candidates) that the documents hold, and only that: a correction only ever makes the
question match the documents. Of a lowercase word, the candidate must be an English word as
well ("opperating" is "operating"; the most frequent in English first); of a capitalized word
not opening a sentence (a name: "Somtal" is "Somtel"), any string whose stem the documents
hold, its first letter as typed, and only from five letters up ("Jing" is not "King").

Left as typed: a word with no such candidate (a name or a term the documents lack: "modi",
"bitcoin"); a word one edit away from a stop word (no index holds one, and "wher" could be
"where" or "when"); words under four letters ("mny": many? my? any?); short words that begin a longer
English word ("orgs"); words with capitals inside ("IT", "McKinsey"); and any question whose
language is not English, or not told with most of its words known.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Callable

from qa.store.lexical import tokenize
from qa.types import ENGLISH

MIN_LETTERS = 4
MIN_NAME_LETTERS = 5
MAX_ABBREVIATION = 3  # "org(s)", "gov(s)": a word this short that begins a longer one is short for it
_WORD = re.compile(r"(?<![\w'’-])[^\W\d_]+(?![\w'’-])")

_lock = threading.Lock()
_english: English | None = None


class English:
    """English words and their frequency (``count``), and whether a word is one or a form of
    one (``knows``: "cafes" where the list has only "cafe", "wasnt" for "wasn't")."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.sorted = sorted(counts)
        words = " ".join(counts)
        self.stems = set(tokenize(words, ENGLISH)) | set(tokenize(_unaccented(words), ENGLISH))

    def count(self, word: str) -> int:
        return self.counts.get(word, 0)

    def abbreviates(self, word: str) -> bool:
        """Whether ``word`` is short for a longer English word ("orgs" is not a typo)."""
        stem = word[:-1] if word.endswith("s") else word
        if len(stem) > MAX_ABBREVIATION:
            return False
        at = bisect.bisect_right(self.sorted, stem)
        return at < len(self.sorted) and self.sorted[at].startswith(stem)

    def knows(self, word: str) -> bool:
        if word in self.counts or any(f"{word[:i]}'{word[i:]}" in self.counts for i in range(1, len(word))):
            return True
        stems = tokenize(word, ENGLISH)
        return bool(stems) and all(s in self.stems for s in stems)


def _unaccented(text: str) -> str:
    """``text`` without its diacritics ("café" is "cafe")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def english_words() -> English:
    """pyspellchecker's English words; loaded once per process."""
    global _english
    with _lock:
        if _english is None:
            from spellchecker import SpellChecker

            _english = English(dict(SpellChecker(language="en", distance=1).word_frequency.dictionary))
    return _english


def _opens_sentence(text: str, at: int) -> bool:
    """Whether ``text[at:]`` opens a sentence (a capital there is not a name's)."""
    before = text[:at].rstrip(" \t\"“‘'(")
    return not before or before[-1] in ".?!:;\n"


def edits(word: str) -> set[str]:
    """The strings one edit away from lowercase ``word`` (Norvig's ``edits1``)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in letters}
            | {a + c + b for a, b in splits for c in letters})


def correct(question: str, has_terms: Callable[[list[str]], list[bool]], english: English | None = None,
            language: str | None = ENGLISH) -> str:
    """``question`` with its misspelled words replaced (see the module's docstring).

    Args:
        has_terms: whether each BM25 term occurs in the documents (``Store.has_terms``).
        english: the English words (default: ``english_words()``).
        language: the question's, as told (None: too unsure to tell).
    """
    if language not in (ENGLISH, None):
        return question
    words = [m for m in _WORD.finditer(question) if len(m.group()) >= MIN_LETTERS
             and m.group()[1:] == m.group()[1:].lower()]  # "McKinsey", "IT", "NATO" are not typos
    # The documents' words first: most questions have no other, and need no English list.
    held = _held(has_terms, {m.group().lower() for m in words})
    words = [m for m in words if not held[m.group().lower()]]
    if not words:
        return question
    english = english_words() if english is None else english
    words = [m for m in words if not (english.knows(m.group().lower()) or english.abbreviates(m.group().lower()))]
    if not words or (language is None and not _mostly_known(question, has_terms, english)):
        return question
    out, last, chosen = [], 0, {}
    for m in words:
        word = m.group()
        lower = word.lower()
        name = word[0].isupper() and not _opens_sentence(question, m.start())
        if (lower, name) not in chosen:
            chosen[lower, name] = _candidate(lower, name, has_terms, english)
        best = chosen[lower, name]
        if best is not None:
            out += [question[last:m.start()], best.capitalize() if word[0].isupper() else best]
            last = m.end()
    return "".join(out) + question[last:] if out else question


def _held(has_terms: Callable[[list[str]], list[bool]], words: set[str]) -> dict[str, bool]:
    """Whether the documents hold each of ``words`` (all its stems; no stop word is held), in
    one ``has_terms`` call."""
    stems = {w: tokenize(w, ENGLISH) for w in words}
    unique = sorted({s for ss in stems.values() for s in ss})
    known = dict(zip(unique, has_terms(unique), strict=True)) if unique else {}
    return {w: bool(ss) and all(known[s] for s in ss) for w, ss in stems.items()}


def _candidate(word: str, name: bool, has_terms: Callable[[list[str]], list[bool]], english: English) -> str | None:
    """The documents' word one edit away from misspelled ``word`` (see the module's
    docstring), or None."""
    if name:
        if len(word) < MIN_NAME_LETTERS:
            return None
        found = [c for c in edits(word) if c[0] == word[0]]
    else:
        found = [c for c in edits(word) if c in english.counts]
        if any(not tokenize(c, ENGLISH) for c in found):  # "iand": "and"? "wher": "where" or "when"?
            return None
    held = _held(has_terms, set(found))
    found = [c for c in found if held[c]]
    # The most frequent English word; of names, the shortest ("Zelenskyy": "Zelensky", not
    # "Zelenskys", whose stem is the same).
    return max(found, key=lambda c: (english.count(c), -len(c), c), default=None)


def _mostly_known(question: str, has_terms: Callable[[list[str]], list[bool]], english: English) -> bool:
    """Whether most words of ``question`` (its language not told) are English or the documents':
    "Wie viele Organisationen gibt es?" is not."""
    words = [w.lower() for w in _WORD.findall(question)]
    held = _held(has_terms, set(words))
    return sum(english.knows(w) or held[w] for w in words) * 2 > len(words)
