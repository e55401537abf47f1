"""Misspelled words of an English question, read as English or the documents write them.

"how many orgnisations are opperating in IT?": BM25 matches none of the misspelled words and
the reader reads them as other wordpieces, so the bot declines what it answers when they are
spelled right. A word counts as misspelled only when it is neither an English word
(pyspellchecker's list: 160,000 words with their frequency, or an inflection of one) nor a
word of the documents (its BM25 stem in the index). It is then replaced by the English word one edit away (a letter
deleted, inserted or changed, or two swapped: Norvig's candidates) that the documents hold, the
most frequent in English first ("iand" is "and", not "band"); else by the most frequent one. A
capitalized word not opening a sentence (a name: "Somtal") is only ever replaced by a string
one edit away whose stem the documents hold ("Somtel"), its first letter kept, and only when it
has five letters or more ("Jing" is not "King"). With no candidate the word is left as
it is: a term the documents lack ("bitcoin") stays what it is. Words under four letters ("mny":
many? my? any?), short ones that begin a longer English word ("orgs": organizations), and words
with capitals inside ("IT", "McKinsey") are left alone.
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
    """English words and their frequency (``count``), and whether a word is one or an inflection
    of one (``knows``: "cafes" where the list has only "cafe")."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.sorted = sorted(counts)
        words = " ".join(counts)
        self.stems = set(tokenize(words, ENGLISH)) | set(tokenize(_unaccented(words), ENGLISH))

    def count(self, word: str) -> int:
        return self.counts.get(word, 0)

    def abbreviates(self, word: str) -> bool:
        """Whether ``word`` is short for a longer English word ("orgs", "govt" are not typos)."""
        stem = word[:-1] if word.endswith("s") else word
        if len(stem) > MAX_ABBREVIATION:
            return False
        at = bisect.bisect_right(self.sorted, stem)
        return at < len(self.sorted) and self.sorted[at].startswith(stem)

    def knows(self, word: str) -> bool:
        if word in self.counts:
            return True
        stems = tokenize(word, ENGLISH)
        return bool(stems) and all(s in self.stems for s in stems)


def _unaccented(text: str) -> str:
    """``text`` without its diacritics ("café" is "cafe")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def english_words() -> English:
    """pyspellchecker's English words (British and American); loaded once per process."""
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


def correct(question: str, has_terms: Callable[[list[str]], list[bool]], english: English | None = None) -> str:
    """``question`` (English) with its misspelled words replaced (see the module's docstring).

    Args:
        has_terms: whether each BM25 term occurs in the documents (``Store.has_terms``).
        english: the English words (default: ``english_words()``).
    """
    def in_documents(word: str) -> bool:  # a stop word is in every text (and in no BM25 index)
        stems = tokenize(word, ENGLISH)
        return all(has_terms(stems)) if stems else True

    # "McKinsey", "IT", "NATO" (capitals inside) are not typos of a common word. The documents'
    # words are looked up first: most questions have no other, and need no English list.
    words = [m for m in _WORD.finditer(question) if len(m.group()) >= MIN_LETTERS
             and m.group()[1:] == m.group()[1:].lower() and not in_documents(m.group().lower())]
    if not words:
        return question
    english = english_words() if english is None else english
    out, last = [], 0
    for m in words:
        word = m.group()
        lower = word.lower()
        if english.knows(lower) or english.abbreviates(lower):
            continue
        if word[0].isupper() and not _opens_sentence(question, m.start()):
            # A name, as the documents write it: long enough that one edit away is not another
            # name ("Jing", "King"), and its first letter as typed.
            found = [c for c in edits(lower) if len(word) >= MIN_NAME_LETTERS and c[0] == lower[0]
                     and tokenize(c, ENGLISH) and in_documents(c)]
        else:  # an English word, one the documents hold first
            found = [c for c in edits(lower) if c in english.counts]
        if not found:
            continue
        best = max(found, key=lambda c: (in_documents(c), english.count(c), c))
        out += [question[last:m.start()], best.capitalize() if word[0].isupper() else best]
        last = m.end()
    return "".join(out) + question[last:] if out else question
