"""The ``Chatbot``: the stages composed, one question value flowing down.

``Chatbot.ask`` runs them in order, each passed in or defaulted:

1. ``qa.pipeline.question.analyze``: the question checked against the question settings in
   force, its language told, a follow-up resolved against the conversation, its terms and its
   vector taken, once;
2. a retriever (``qa.pipeline.retrieval.Retriever``): the ranked passages;
3. an answerer (``qa.pipeline.answering.ReaderAnswerer``): the reader's answer, quoted and
   cited, or a decline. A question about the documents as a whole ("What is the article
   about?"), which no span answers, is answered with their lead sentences instead
   (``qa.pipeline.overview``).
"""

from __future__ import annotations

from dataclasses import replace

from qa.messages import say
from qa.pipeline.answering import Answerer, ReaderAnswerer
from qa.pipeline.overview import overview, overview_documents
from qa.pipeline.question import analyze
from qa.pipeline.retrieval import Ranking, Retriever
from qa.rendering import Answer
from qa.settings import AskSettings
from qa.store.base import IndexView
from qa.types import ENGLISH, Question


class Chatbot:
    """Answers questions from one index, quoting it.

    Args:
        index: the documents to answer from.
        settings: the question settings (``k``, ``candidates``, ``max_question_chars``);
            defaults to the index's. They win over the index's for every question asked here.
        retriever: ranks the passages (default: ``Retriever()``, hybrid dense + BM25).
        answerer: reads them (default: ``ReaderAnswerer()``, the shipped reader); a question
            about the documents as a whole is answered by ``overview`` instead.
    """

    def __init__(self, index: IndexView, *, settings: AskSettings | None = None, retriever: Retriever | None = None,
                 answerer: Answerer | None = None) -> None:
        self.index = index
        self.settings = settings or index.settings
        self.retriever = retriever or Retriever()
        self.answerer = answerer or _default_answerer()

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        """Answer ``question``; ``history`` is the conversation so far as
        ``{"role": "user" | "assistant", "content": str}`` messages.

        Raises:
            QuestionError: the question is empty, too long, or has no words.
        """
        return self.ask_with_ranking(question, history)[0]

    def ask_with_ranking(self, question: str, history: list[dict] | None = None) -> tuple[Answer, Ranking]:
        """``ask``, also returning the retriever's ranking (for evaluation)."""
        asked = analyze(self.index, question, settings=self.settings, history=history)
        ranking = self.retriever.retrieve(self.index, asked, candidates=self.settings.candidates)
        passages = ranking.passages(self.index, self.settings.k)
        about = overview_documents(self.index, asked)
        if about is not None:
            answer = overview(self.index, asked, about)
        else:
            answer = self.answerer.answer(self.index, asked, passages)
        notice = multilingual_notice(self.index, asked) or spelling_notice(asked)
        return (replace(answer, notice=notice) if notice else answer), ranking


def spelling_notice(question: Question) -> str | None:
    """For a question read with its misspelled words corrected: what was read."""
    if not question.spelled:
        return None
    return say("read_as", question.language, question=" ".join(question.spelled.split()))


def multilingual_notice(index: IndexView, question: Question) -> str | None:
    """For a question not in English ranked without the index's multilingual vectors (being
    built, failed, or never built): what its answer is made of instead."""
    second = index.settings.second_model
    if question.language == ENGLISH or second is None or question.space == second:
        return None
    progress = index.multilingual_progress
    if index.multilingual_state == "building" and progress is not None:
        return say("multilingual_building", question.language, done=progress.done, total=progress.total)
    return say("multilingual_missing", question.language)


_shared: ReaderAnswerer | None = None


def _default_answerer() -> ReaderAnswerer:
    """One default answerer per process (its reader loads its model once)."""
    global _shared
    if _shared is None:
        _shared = ReaderAnswerer()
    return _shared
