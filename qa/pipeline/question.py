"""The first stage: a question checked and analyzed once, into the value every later stage reads.

``analyze`` checks the question against the question settings in force, tells its language
once, reads its misspelled words as the documents write them (English only:
``qa.pipeline.spelling``), resolves a follow-up against the conversation
(``qa.pipeline.conversation``), takes its BM25 terms once and embeds it once, in the vector
space the index ranks that language in.
"""

from __future__ import annotations

from qa.errors import QuestionError
from qa.messages import say
from qa.models.language import detect as detect_language
from qa.pipeline.conversation import asked, is_followup, reasked, remember, resolve, resolved
from qa.pipeline.spelling import correct
from qa.settings import AskSettings
from qa.store.base import IndexView
from qa.store.lexical import tokenize
from qa.types import ENGLISH, Question


def clean(question: object) -> str:
    """The question with NUL bytes and surrounding whitespace removed.

    Raises:
        QuestionError: it is not a string, or is empty.
    """
    if not isinstance(question, str):
        raise QuestionError(f"a question must be text, not {type(question).__name__}")
    question = question.replace("\x00", "").strip()
    if not question:
        raise QuestionError("the question is empty: type a question")
    return question


def check_question(question: str, max_chars: int, language: str | None = None) -> str:
    """The question cleaned (``clean``), and checked.

    Args:
        language: the question's, for the wording of the too-long error (None: told from it).

    Raises:
        QuestionError: it is not a string, is empty, is longer than ``max_chars``, or has no
            letters or digits (only emoji or punctuation).
    """
    question = clean(question)
    if len(question) > max_chars:
        raise QuestionError(say("too_long", language or detect_language(question), length=len(question),
                                limit=max_chars))
    if not any(ch.isalnum() for ch in question):
        raise QuestionError("the question has no words (only symbols or emoji): ask it in words")
    return question


def analyze(index: IndexView, question: str, *, settings: AskSettings | None = None,
            history: list[dict] | None = None) -> Question:
    """``question`` checked and analyzed for ``index``.

    Args:
        settings: the question settings in force (default: the index's).
        history: the conversation so far, as ``{"role", "content"}`` messages.

    Raises:
        QuestionError: the question is empty, too long, or has no words.
    """
    text = clean(question)
    settings = settings or index.settings
    told = detect_language(text, default=None)
    text = check_question(text, settings.max_question_chars, told)
    # Its misspelled words as the documents write them; searched and read so.
    spelled = correct(text, index.has_terms, language=told)
    own = tokenize(spelled, told or ENGLISH)
    before = asked(history)
    previous = resolved(history)
    query = resolve(spelled, previous, followup=is_followup(spelled, own)) if previous else spelled
    remember((*before, text), query)  # the next question of this conversation leans on it as resolved here
    # The language is the question's as asked; one too short to tell ("Why?") takes the one
    # of its query (with the question it leans on).
    language = told or (detect_language(query) if query != spelled else ENGLISH)
    terms = own if language == (told or ENGLISH) and query == spelled else tokenize(query, language)
    space = index.space_for(language)
    vector = index.question_embedder(space).encode_queries([query])[0]
    # An elliptical follow-up ("Why?") has no words of its own for the reader: it reads the
    # previous question asked with its question word ("Why did Putin thank?"), or the query.
    read = spelled if own else (previous and reasked(spelled, previous)) or query
    return Question(text=text, query=query, language=language, terms=tuple(terms), vectors={space: vector},
                    space=space, read=read, spelled=spelled if spelled != text else "")
