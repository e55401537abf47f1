"""Follow-up questions: when a question leans on the previous one, and what to search then.

A question is a follow-up only when it cannot stand alone: it opens by continuing ("And how
many organizations?", "What about Europe?"), refers back with a pronoun ("Why did he thank
them?"), or is an ellipsis with at most one word of its own ("Why?", "And companies?").
"Who is Putin?" and "Is there a national project?" stand alone, and are searched exactly
as on a fresh page.

A follow-up is searched as itself followed by the previous *resolved* question (which may
itself carry an earlier one), newest first and cut to ``MAX_QUERY_CHARS``, so a long
conversation neither grows the query without bound nor pushes the newest words out of what
the embedding model reads.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from qa.models.language import detect as detect_language
from qa.store.lexical import tokenize

# What all-MiniLM-L6-v2 reads (256 tokens) is about 1,000 characters; two or three questions
# are far less, and older ones matter less.
MAX_QUERY_CHARS = 300

_PRONOUNS = {"it", "its", "itself", "they", "them", "their", "theirs", "themselves", "he", "him", "his",
             "himself", "she", "her", "hers", "herself",
             # Russian: он/она/оно/они in every case ("Кого он поблагодарил?")
             "он", "она", "оно", "они", "его", "её", "ее", "их", "ему", "ей", "им", "ими", "нём", "нем", "ней",
             "них", "него", "неё", "нее", "ним", "нему", "ними"}
# "this" / "that" ... refer back when they stand alone ("What is that?", "Why is this so?"), not
# when they pick out a noun of the question itself ("this year", "that project").
_DEMONSTRATIVES = {"this", "that", "these", "those"}
_VERBS_AFTER = {"is", "was", "are", "were", "be", "been", "mean", "means", "meant", "do", "does", "did",
                "so", "about", "for", "to", "in", "on", "with"}
_CONTINUING = re.compile(r"^(and|also|but|so|then|what about|how about|and what about|а|и|но|ещё|еще|а что|а как)\b",
                         re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def content(message: object) -> str:
    """Text of a chat message's content (a str, or Gradio's list of parts)."""
    if isinstance(message, str):
        return message
    if isinstance(message, dict):
        if "text" in message:
            return str(message["text"])
        return content(message.get("content", ""))
    if isinstance(message, (list, tuple)):
        return " ".join(content(part) for part in message)
    return ""


def is_followup(question: str, terms: list[str] | None = None) -> bool:
    """Whether ``question`` cannot stand alone (see the module's docstring).

    ``terms``: its BM25 terms, when already known (``None``: taken here).
    """
    q = question.strip()
    if _CONTINUING.match(q):
        return True
    # A pronoun in capitals in a question that is not shouting is an acronym: "the IT area".
    if any(w.lower() in _PRONOUNS and not (w.isupper() and len(w) > 1 and not q.isupper())
           for w in _WORDS.findall(q)):
        return True
    words = _WORDS.findall(q.lower())
    for i, w in enumerate(words):
        if w in _DEMONSTRATIVES and (i + 1 == len(words) or words[i + 1] in _VERBS_AFTER):
            return True
    return not (tokenize(q, detect_language(q)) if terms is None else terms)


def resolve(question: str, previous: str | None, *, followup: bool | None = None) -> str:
    """What to search for ``question`` after the resolved question ``previous``
    (``followup``: whether it is one, when already known)."""
    if not previous or not (is_followup(question) if followup is None else followup):
        return question
    query = f"{question} {previous}"
    if len(query) <= MAX_QUERY_CHARS:
        return query
    cut = query.rfind(" ", 0, MAX_QUERY_CHARS)
    return query[:cut if cut > len(question) else MAX_QUERY_CHARS]


# A follow-up that is only a question word ("Why?", "And when?"), and the auxiliaries after
# which a question's own question word can be swapped for it.
_BARE_QUESTION_WORD = re.compile(r"^(?:(?:and|but|so|then)[\s,]+)?(why|when|where|how|who)\s*[?!.]*$", re.IGNORECASE)
_LEADING_QUESTION_WORDS = {"who", "whom", "what", "when", "where", "why", "how"}
_AUXILIARIES = {"is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "will", "would", "can",
                "could", "should", "may", "might", "must"}


def reasked(question: str, previous: str) -> str | None:
    """What the reader reads for a follow-up that is only a question word: the previous
    question asked with it. "Who did Putin thank?" then "Why?" reads "Why did Putin thank?",
    whose answer is the reason, where "Why? Who did Putin thank?" was answered with the people
    again; "How many organizations are operating?" then "Why?" reads "Why are organizations
    operating?". ``None`` where the previous question is not of those two shapes (a question
    word then an auxiliary; "how many" or "how much", a few words, an auxiliary), or already
    asks with that word: the reader reads the query then."""
    m = _BARE_QUESTION_WORD.match(question.strip())
    words = previous.strip().rstrip("?!. ").split()
    if not m or len(words) < 3:
        return None
    asking = m.group(1).capitalize()
    first = words[0].lower()
    if first == asking.lower() or first not in _LEADING_QUESTION_WORDS:
        return None
    if words[1].lower() in _AUXILIARIES:
        return " ".join([asking, *words[1:]]) + "?"
    if first == "how" and words[1].lower() in ("many", "much"):
        for j in range(2, min(len(words), 7)):
            if words[j].lower() in _AUXILIARIES:
                return " ".join([asking, words[j], *words[2:j], *words[j + 1:]]) + "?"
    return None


def asked(history: list[dict] | None) -> tuple[str, ...]:
    """The user's questions of ``history`` (``{"role", "content"}`` messages), in order."""
    out = []
    for message in history or []:
        if isinstance(message, dict) and message.get("role") == "user":
            text = content(message).strip()
            if text:
                out.append(text)
    return tuple(out)


def resolved(history: list[dict] | None) -> str | None:
    """The last user question of ``history`` as it was searched (``None``: there is none).

    Incremental: a conversation's questions are remembered as they were resolved (``remember``),
    so the next question of a long conversation costs one resolution, not one per earlier question.
    """
    return _resolved(asked(history))


def remember(questions: tuple[str, ...], query: str) -> None:
    """That the last of ``questions``, after the others, was searched as ``query``."""
    with _lock:
        _known[questions] = query
        _known.move_to_end(questions)
        while len(_known) > _KNOWN:
            _known.popitem(last=False)


def _resolved(questions: tuple[str, ...]) -> str | None:
    if not questions:
        return None
    with _lock:
        query = _known.get(questions)
    if query is None:
        query = resolve(questions[-1], _resolved(questions[:-1]))
        remember(questions, query)
    return query


_KNOWN = 4096  # conversations' questions remembered, the least recent forgotten first
_known: OrderedDict[tuple[str, ...], str] = OrderedDict()
_lock = threading.Lock()


def resolve_history(question: str, history: list[dict] | None) -> str:
    """``resolve`` for ``question`` after a conversation of ``{"role", "content"}`` messages."""
    return resolve(question, resolved(history))
