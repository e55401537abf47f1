"""Lexical search with BM25: the only module that imports bm25s.

Tokens are lower-cased, the language's stop words dropped and words Snowball-stemmed in that
language, so "organizations" matches "organization" and "организаций" matches "организации".
Each text is analyzed in its document's language, each question in its own (``qa.models.language``);
a language Snowball has no stemmer for is only lower-cased.
"""

from __future__ import annotations

import functools
import re
import threading
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from qa.models.language import ENGLISH

# Lucene's English stop words plus the function words of questions ("how many", "what did"),
# which would otherwise match every sentence that happens to contain them. Reporting verbs
# ("what did X say") frame a question; they rarely carry its subject.
STOPWORDS = sorted(set(bm25s.stopwords.STOPWORDS_EN) | {
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "did", "do", "does",
    "done", "doing", "about", "many", "much", "were", "been", "being", "has", "have", "had",
    "having", "he", "she", "him", "his", "her", "hers", "its", "we", "us", "our", "you", "your",
    "i", "me", "my", "from", "than", "so", "can", "could", "would", "should", "may", "might",
    "shall", "also", "all", "any", "some", "other", "more", "most", "very", "up", "out", "over",
    "after", "before", "between", "during", "under", "again", "only", "own", "same", "too", "just",
    "s", "t", "am", "say", "says", "said",
})


# "60,000" and "60000" are one number: drop thousands separators before splitting words.
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_WORDS = re.compile(r"(?u)\b\w\w+\b")  # bm25s's token pattern
# The same for Russian: NLTK's list (bm25s's) plus question and reporting words.
STOPWORDS_RU = sorted(set(bm25s.stopwords.STOPWORDS_RUSSIAN) | {
    "что", "кто", "кого", "кому", "чем", "чём", "где", "куда", "откуда", "когда", "как", "какой", "какая",
    "какое", "какие", "каких", "каким", "какую", "каков", "какова", "сколько", "почему", "зачем", "чей", "чья",
    "чьё", "чьи", "ли", "это", "этот", "эта", "эти", "также", "сказал", "сказала", "сказали", "говорил",
    "говорила", "говорит", "заявил", "заявила", "считает", "считал", "об", "обо",
})

# By language code: bm25s's stop-word list, and the Snowball stemmer. A language in neither is
# only lower-cased.
_BM25S_STOPWORDS = {"da": "DANISH", "de": "GERMAN", "es": "SPANISH", "fr": "FRENCH", "it": "ITALIAN",
                    "nl": "DUTCH", "no": "NORWEGIAN", "pt": "PORTUGUESE", "sv": "SWEDISH", "tr": "TURKISH"}
_SNOWBALL = {"ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
             "en": "english", "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french", "hi": "hindi",
             "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
             "nl": "dutch", "no": "norwegian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
             "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish"}


class _Analyzer:
    """Stop words and stemmer of one language (a stemmer is not safe to share between
    threads, so each analyzer serves one call at a time)."""

    def __init__(self, language: str) -> None:
        if language == ENGLISH:
            stopwords = STOPWORDS
        elif language == "ru":
            stopwords = STOPWORDS_RU
        else:
            stopwords = getattr(bm25s.stopwords, f"STOPWORDS_{_BM25S_STOPWORDS.get(language, '')}", ())
        self.stopwords = frozenset(stopwords)
        self.stemmer = Stemmer.Stemmer(_SNOWBALL[language]) if language in _SNOWBALL else None
        self.lock = threading.Lock()

    def terms(self, text: str) -> list[str]:
        words = [w for w in _WORDS.findall(_THOUSANDS.sub("", text).lower()) if w not in self.stopwords]
        if not words or self.stemmer is None:
            return words
        with self.lock:
            return self.stemmer.stemWords(words)


@functools.cache
def _analyzer(language: str) -> _Analyzer:
    return _Analyzer(language)


def tokenize(text: str, language: str = ENGLISH) -> list[str]:
    """The BM25 terms of ``text`` in ``language`` (ISO 639-1): lower-cased, stop words
    removed, stemmed. The index's texts and the questions go through this same function."""
    return _analyzer(language).terms(text)


class LexicalIndex:
    """BM25 (Lucene variant) over a list of texts, addressed by row number."""

    def __init__(self, retriever: bm25s.BM25) -> None:
        self._bm25 = retriever
        # One question asks for the same terms' scores more than once (its candidates, then
        # the scores of those candidates; its sentences, then a declined answer's nearest one):
        # the last few are kept, read-only, instead of scoring every row again.
        self._recent = functools.lru_cache(maxsize=16)(self._score)

    @classmethod
    def build(cls, texts: list[str], languages: list[str] | None = None) -> LexicalIndex:
        """BM25 over ``texts``, each analyzed in its language (default: English)."""
        languages = languages or [ENGLISH] * len(texts)
        tokens = [tokenize(t, language) for t, language in zip(texts, languages, strict=True)]
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(retriever)

    def __len__(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every row for the query ``terms`` (see ``tokenize``); read-only."""
        return self._recent(tuple(terms))

    def _score(self, terms: tuple[str, ...]) -> np.ndarray:
        ids = self._bm25.get_tokens_ids(list(terms))
        scores = (np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32) if ids
                  else np.zeros(len(self), dtype=np.float32))
        scores.flags.writeable = False
        return scores

    def matrix(self) -> dict[str, np.ndarray]:
        """The precomputed weight of each term in each text (IDF times saturated frequency), term
        by term: ``data``, ``indices`` (text rows) and ``indptr`` (where each term's run starts)."""
        return {k: np.asarray(self._bm25.scores[k]) for k in ("data", "indices", "indptr")}

    def has(self, term: str) -> bool:
        """Whether ``term`` occurs in some text."""
        return term in self._bm25.vocab_dict

    def vocabulary(self) -> dict[str, int]:
        """Each term's number (its column of ``matrix``)."""
        return {str(t): int(i) for t, i in self._bm25.vocab_dict.items()}

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Raises ValueError when the folder does not hold a readable BM25 index."""
        try:
            return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))
        except (OSError, ValueError, KeyError, EOFError) as e:
            raise ValueError(f"{type(e).__name__}: {str(e)[:200]}") from e
