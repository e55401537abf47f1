"""Answers quoted from the documents: sentence selection, short answers, declining, follow-ups.

No language model writes anything here: an answer is one or two sentences of the
documents, verbatim and cited, led by the phrase that answers the question when one
does (a number, a date). When the best evidence is weak, the bot declines and shows the
nearest passage instead.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field

import numpy as np

from qa.index import Index, Passage, Ranking
from qa.lexical import tokenize
from qa.settings import Settings
from qa.text import check_question

MAX_QUOTE_CHARS = 300
_PREFIX = 6  # letters two terms must share to count as one word in another form
_PASSAGES_READ = 5  # sentences are picked from the best five passages
# Sentence score weights, tuned on a sample of SQuAD v1.1 dev (see BENCHMARKS.md).
W_DENSE, W_LEXICAL, W_COVERAGE, W_TYPE, W_PAIRS, W_RANK = 1.0, 0.45, 0.35, 0.15, 0.3, 0.04


@dataclass(frozen=True)
class Evidence:
    """A quoted sentence: ``index.document(doc_id).text[start:end]``."""

    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    """What the bot says, and what it rests on.

    Attributes:
        text: the answer alone (a short phrase and/or quoted sentences with ``[n]`` citations),
            or, when declining, a statement that the documents do not say and the nearest passage.
        abstained: True when the documents do not answer the question.
        confidence: how sure the bot is that ``text`` answers the question, in [0, 1].
        passages: the cited passages, best first; ``[n]`` in ``text`` is ``passages[n - 1]``.
        evidence: the spans of the quoted sentences, for highlighting.
        query: the question as searched (a follow-up carries terms of earlier questions).
    """

    text: str
    abstained: bool
    confidence: float
    passages: list[Passage]
    evidence: list[Evidence] = field(default_factory=list)
    query: str = ""


# --- what kind of answer a question wants -------------------------------------------------

_NUMBER_WORDS = (r"(?:a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
                 r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|several|dozens?)")
_SCALE = r"(?:hundred|thousand|million|billion|trillion|percent|per\s+cent|%)"
_NUMBER = re.compile(
    r"(?:(?:about|around|approximately|roughly|nearly|almost|over|under|more\s+than|less\s+than|"
    r"fewer\s+than|at\s+least|up\s+to|some)\s+)?"
    rf"(?:\$|£|€)?(?:\d[\d,.]*|{_NUMBER_WORDS}\s+{_SCALE})(?:\s*{_SCALE})?",
    re.IGNORECASE)
_MONTHS = (r"January|February|March|April|May|June|July|August|September|October|November|"
           r"December")
_DATE = re.compile(
    rf"\b(?:(?:\d{{1,2}}\s+)?(?:{_MONTHS})(?:\s+\d{{1,2}})?(?:,?\s+\d{{4}})?|"
    r"(?:1[0-9]|20)\d{2}s?|\d{1,2}(?:st|nd|rd|th)\s+century)\b")
_CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


def answer_type(question: str) -> str | None:
    """``number``, ``date`` or ``name`` when the question asks for one, else None."""
    q = question.lower()
    if re.search(r"\bhow\s+(many|much|long|old|far|big|large|often)\b|\bwhat\s+(percentage|number|"
                 r"amount|proportion)\b", q):
        return "number"
    if re.search(r"\bwhen\b|\bwhat\s+(year|date|time|century|decade)\b|\bwhich\s+(year|century)\b", q):
        return "date"
    if re.search(r"\bwho(m|se)?\b", q):
        return "name"
    return None


def _phrases(kind: str, sentence: str) -> list[tuple[int, int]]:
    if kind == "number":
        return [m.span() for m in _NUMBER.finditer(sentence) if any(c.isdigit() for c in m.group())
                or re.search(_SCALE, m.group(), re.IGNORECASE)]
    if kind == "date":
        return [m.span() for m in _DATE.finditer(sentence)]
    if kind == "name":
        return [m.span() for m in _CAPITALIZED.finditer(sentence)]
    return []


def short_answer(question: str, sentence: str, kind: str | None) -> str | None:
    """The phrase of ``sentence`` that answers ``question``, when it asks for a number or date.

    Of several candidates, the one followed or preceded by the question's own words wins
    ("about 60,000 organizations" for "how many organizations").
    """
    if kind not in ("number", "date"):
        return None
    spans = _phrases(kind, sentence)
    if not spans:
        return None
    q_terms = set(tokenize(question))

    def closeness(span: tuple[int, int]) -> tuple[float, int]:
        # Question words right after the phrase count most ("60,000 organizations").
        after = tokenize(sentence[span[1]:span[1] + 40])[:3]
        before = tokenize(sentence[max(0, span[0] - 40):span[0]])[::-1][:3]
        near = sum(2 / (i + 1) for i, t in enumerate(after) if t in q_terms)
        near += sum(1 / (i + 1) for i, t in enumerate(before) if t in q_terms)
        return (near, -span[0])

    start, end = max(spans, key=closeness)
    phrase = sentence[start:end].strip(" ,.;:")
    if kind == "number":
        # Keep the counted noun: "60,000" alone says less than "60,000 organizations".
        noun = re.match(r"\s+([A-Za-z][\w-]*)", sentence[end:])
        if noun and tokenize(noun.group(1)):
            phrase = f"{phrase} {noun.group(1)}"
    return phrase


# --- follow-ups --------------------------------------------------------------------------

_REFERRING = {"it", "its", "they", "them", "their", "theirs", "he", "him", "his", "she", "her",
              "this", "that", "these", "those", "there", "such", "one", "ones"}
_CONTINUING = ("and ", "also ", "but ", "so ", "what about", "how about", "and,", "then ")


def _content(message: object) -> str:
    """Text of a chat message's content (a str, or Gradio's list of parts)."""
    if isinstance(message, str):
        return message
    if isinstance(message, dict):
        if "text" in message:
            return str(message["text"])
        return _content(message.get("content", ""))
    if isinstance(message, (list, tuple)):
        return " ".join(_content(part) for part in message)
    return ""


def is_followup(question: str) -> bool:
    """Whether ``question`` leans on an earlier one (starts with "and", uses a pronoun, or
    has at most one content word)."""
    q = question.lower().strip()
    words = re.findall(r"[a-z']+", q)
    return (q.startswith(_CONTINUING) or any(w in _REFERRING for w in words)
            or len(tokenize(question)) <= 1)


def resolve_followup(question: str, history: list[dict] | None) -> str:
    """The question to search for: an elliptical follow-up carries the previous question."""
    previous = [_content(m) for m in (history or [])
                if isinstance(m, dict) and m.get("role") == "user"]
    previous = [p.strip() for p in previous if p and p.strip()]
    if not previous or not is_followup(question):
        return question
    # The previous question may itself have been a follow-up: resolve the chain.
    return f"{resolve_followup(previous[-1], [{'role': 'user', 'content': p} for p in previous[:-1]])} {question}"


# --- the bot -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    row: int          # sentence row in the index
    passage_rank: int
    dense: float
    lexical: float    # BM25, divided by the best candidate's
    coverage: float   # share of the question's term weight the sentence contains
    kind_match: bool
    score: float
    pairs: float = 0.0  # share of the question's word pairs found next to each other
    rare: float = 0.0   # idf of the rarest question term the sentence holds, over the largest idf
    terms: frozenset[str] = frozenset()  # the sentence's terms and their six-letter prefixes


class Chatbot:
    """Answers questions from one index, quoting its sentences.

    Args:
        index: the documents to answer from.
        settings: defaults to the index's settings (``k``, ``abstain_below``, ...).
    """

    def __init__(self, index: Index, *, settings: Settings | None = None) -> None:
        self.index = index
        self.settings = settings or index.settings

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        """Answer ``question``; ``history`` is the conversation so far as
        ``{"role": "user" | "assistant", "content": str}`` messages.

        Raises:
            QuestionError: the question is empty, too long, or has no words.
        """
        return self.ask_with_ranking(question, history)[0]

    def ask_with_ranking(self, question: str, history: list[dict] | None = None
                         ) -> tuple[Answer, Ranking]:
        """``ask``, also returning the search ranking it answered from (for evaluation)."""
        question = check_question(question, self.settings.max_question_chars)
        query = resolve_followup(question, history)
        ranking = self.index.rank(query)
        return self._respond(question, query, ranking), ranking

    def _respond(self, question: str, query: str, ranking: Ranking) -> Answer:
        candidates, weights = self._candidates(question, query, ranking)
        best = candidates[0]
        confidence = _confidence(best)
        passages = [self.index.passage(int(c), float(s))
                    for c, s in zip(ranking.chunks[:self.settings.k], ranking.scores[:self.settings.k],
                                    strict=True)]
        if confidence < self.settings.abstain_below:
            return self._decline(passages, confidence, query)
        chosen = [best]
        # A second sentence: the neighbour when it is nearly as good (a quote that runs over
        # two sentences), or any good candidate that holds question words the best one lacks
        # ("what did he call for at the meeting": the meeting in one sentence, the call in
        # the next).
        for c in candidates[1:]:
            adjacent = c.passage_rank == best.passage_rank and abs(c.row - best.row) == 1
            adds = _adds_terms(weights, best.terms, c.terms)
            if (adjacent and (adds or c.score >= 0.92 * best.score)) or (adds and c.score >= 0.7 * best.score):
                chosen.append(c)
                break
        chosen.sort(key=lambda c: c.row)
        return self._answer(question, chosen, best, passages, confidence, query)

    def _candidates(self, question: str, query: str, ranking: Ranking
                    ) -> tuple[list[_Candidate], dict[str, float]]:
        """The sentences of the best passages, best first, and the idf weights of the
        question's own terms (empty when it has none, e.g. "And them?")."""
        kind = answer_type(question) or answer_type(query)
        own_terms = list(dict.fromkeys(tokenize(question)))
        q_terms = own_terms or list(dict.fromkeys(ranking.terms))
        weights = dict(zip(q_terms, self.index.idf(q_terms), strict=True))
        total = sum(weights.values()) or 1.0
        top_idf = max(self.index.idf(["\x00unseen"]))
        dense = dict(zip(ranking.sentence_ids.tolist(), ranking.sentence_dense.tolist(), strict=True))
        lexical = dict(zip(ranking.sentence_ids.tolist(), ranking.sentence_lexical.tolist(), strict=True))
        rows: dict[int, int] = {}  # sentence row -> rank of the first passage holding it
        for rank, chunk in enumerate(ranking.chunks[:min(_PASSAGES_READ, self.settings.k)]):
            c = self.index.chunks[int(chunk)]
            for r in range(c.first_sentence, c.last_sentence + 1):
                rows.setdefault(r, rank)
        top_lexical = max((lexical[r] for r in rows), default=0.0) or 1.0
        out = []
        for row, rank in rows.items():
            text = self.index.sentence_text(row)
            words = tokenize(text)
            terms = _with_prefixes(words)
            held = [w for t, w in weights.items() if t in terms or t[:_PREFIX] in terms]
            coverage = sum(held) / total
            rare = max(held, default=0.0) / top_idf
            kind_match = bool(kind and _phrases(kind, text))
            lex = lexical[row] / top_lexical
            near = _adjacent_pairs(q_terms, words)
            score = (W_DENSE * dense[row] + W_LEXICAL * lex + W_COVERAGE * coverage
                     + W_TYPE * kind_match + W_PAIRS * near - W_RANK * rank)
            out.append(_Candidate(row, rank, dense[row], lex, coverage, kind_match, score, near, rare,
                                  frozenset(terms)))
        out.sort(key=lambda c: -c.score)
        return out, (weights if own_terms else {})

    def _answer(self, question: str, chosen: list[_Candidate], best: _Candidate,
                passages: list[Passage], confidence: float, query: str) -> Answer:
        cited = _cite(passages, [self.index.sentence(c.row) for c in chosen])
        limit = MAX_QUOTE_CHARS // len(chosen)
        quote = ""
        for i, c in enumerate(chosen):
            part = _trim(self.index.sentence_text(c.row), question, limit)
            gap = i and c.row - chosen[i - 1].row > 1 and not (quote.endswith("…") or part.startswith("…"))
            quote += (" … " if gap else " " if i else "") + part
        numbers = sorted({n for n in cited.values()})
        refs = "".join(f"[{n}]" for n in numbers)
        source = ""
        if len(self.index.documents) > 1:
            titles = list(dict.fromkeys(passages[n - 1].title for n in numbers))
            source = f" ({'; '.join(titles)})"
        lead = short_answer(question, self.index.sentence_text(best.row),
                            answer_type(question) or answer_type(query))
        text = f"{_quoted(quote)}{source} {refs}"
        if lead and lead.lower() not in ("a", "one"):
            text = f"{lead[0].upper()}{lead[1:]}: {text}"
        evidence = [Evidence(*self.index.sentence(c.row)) for c in chosen]
        return Answer(text=text, abstained=False, confidence=confidence, passages=passages,
                      evidence=evidence, query=query)

    def _decline(self, passages: list[Passage], confidence: float, query: str) -> Answer:
        what = "article does" if len(self.index.documents) == 1 else "documents do"
        nearest = _trim(passages[0].text, query) if passages else ""
        text = f"The {what} not say. The nearest passage is: {_quoted(nearest)} [1]"
        return Answer(text=text, abstained=True, confidence=confidence, passages=passages,
                      evidence=[], query=query)


def _adds_terms(weights: dict[str, float], have: frozenset[str], other: frozenset[str]) -> bool:
    """Whether a sentence with ``other`` terms holds question terms worth 15% of the weight
    that the one with ``have`` lacks."""
    if not weights:
        return False
    extra = other - have
    gained = sum(w for t, w in weights.items() if (t in extra or t[:_PREFIX] in extra)
                 and t not in have and t[:_PREFIX] not in have)
    return gained >= 0.15 * sum(weights.values())


def _with_prefixes(terms: list[str]) -> set[str]:
    """The terms and their first six letters: "russia" and "russian" then match (the stemmer
    keeps them apart)."""
    return set(terms) | {t[:_PREFIX] for t in terms if len(t) > _PREFIX}


def _adjacent_pairs(q_terms: list[str], terms: list[str]) -> float:
    """Share of consecutive question-term pairs that stand within two words of each other in
    ``terms`` ("companies offer" in both question and sentence)."""
    pairs = list(itertools.pairwise(q_terms))
    if not pairs:
        return 0.0
    where: dict[str, list[int]] = {}
    for i, t in enumerate(terms):
        where.setdefault(t, []).append(i)
    found = sum(any(abs(i - j) <= 2 for i in where.get(a, ()) for j in where.get(b, ())) for a, b in pairs)
    return found / len(pairs)


def _quoted(text: str) -> str:
    """``text`` in quotation marks, unless it already opens with one."""
    return text if text[:1] in "“\"«'‘" else f"“{text}”"


def _cite(passages: list[Passage], spans: list[tuple[str, int, int]]) -> dict[tuple[str, int, int], int]:
    """The 1-based number of the passage that holds each span; a span in none is left out."""
    numbers = {}
    for span in spans:
        doc_id, start, end = span
        for n, p in enumerate(passages, 1):
            if p.doc_id == doc_id and p.start <= start and end <= p.end:
                numbers[span] = n
                break
    return numbers


def _trim(text: str, question: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """``text`` cut to ``limit`` characters around the question's words, with ellipses."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    terms = set(tokenize(question))
    words = list(re.finditer(r"\S+", text))
    hits = [m.start() for m in words if terms & set(tokenize(m.group()))]
    center = int(np.median(hits)) if hits else 0
    start = max(0, min(center - limit // 2, len(text) - limit))
    start = text.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(text), start + limit)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _confidence(best: _Candidate) -> float:
    """How likely the best sentence answers: a logistic of its cosine similarity, the share of
    the question's term weight it holds, and how rare the rarest term it shares is.

    Calibrated so that, on the article's questions, every out-of-scope one falls below 0.5
    with a margin and every in-scope one above (see BENCHMARKS.md for SQuAD v2.0, whose
    unanswerable questions are written to look answerable and mostly pass this test).
    """
    z = 6.0 * (best.dense - 0.35) + 3.0 * (best.coverage - 0.25) + 3.0 * (best.rare - 0.4)
    return float(1.0 / (1.0 + math.exp(-z)))
