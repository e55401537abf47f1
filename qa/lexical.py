"""Lexical search with BM25: the only module that imports bm25s.

Tokens are lower-cased, English stop words dropped and words Snowball-stemmed, so
"organizations" matches "organization".
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_stemmer = Stemmer.Stemmer("english")
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
_STOPWORD_SET = frozenset(STOPWORDS)


def tokenize(text: str) -> list[str]:
    """The BM25 terms of ``text``: lower-cased, stop words removed, stemmed.

    The same terms as ``bm25s.tokenize`` gives the index (a test checks it), without its
    per-call set-up (a progress bar and a stop-word set per text), which cost about 3 ms of
    every question's answer.
    """
    words = [w for w in _WORDS.findall(_THOUSANDS.sub("", text).lower()) if w not in _STOPWORD_SET]
    return _stemmer.stemWords(words) if words else []


class LexicalIndex:
    """BM25 (Lucene variant) over a list of texts, addressed by row number."""

    def __init__(self, retriever: bm25s.BM25) -> None:
        self._bm25 = retriever
        indptr = np.asarray(retriever.scores["indptr"])
        n = max(int(retriever.scores["num_docs"]), 1)
        df = np.diff(indptr)  # documents per term (columns of the CSC score matrix)
        self._idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self._max_idf = float(math.log1p((n + 0.5) / 0.5))

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        tokens = bm25s.tokenize([_THOUSANDS.sub("", t) for t in texts], stopwords=STOPWORDS,
                                stemmer=_stemmer, show_progress=False)
        retriever = bm25s.BM25()
        retriever.index(tokens, show_progress=False)
        return cls(retriever)

    def __len__(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every row for the query ``terms`` (see ``tokenize``)."""
        ids = self._bm25.get_tokens_ids(terms)
        if not ids:
            return np.zeros(len(self), dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def idf(self, terms: list[str]) -> list[float]:
        """Inverse document frequency of each term; a term never seen gets the highest."""
        vocab = self._bm25.vocab_dict
        return [float(self._idf[vocab[t]]) if t in vocab else self._max_idf for t in terms]

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Raises ValueError when the folder does not hold a readable BM25 index."""
        try:
            return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0))
        except (OSError, ValueError, KeyError, EOFError) as e:
            raise ValueError(f"{type(e).__name__}: {str(e)[:200]}") from e
