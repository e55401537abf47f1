"""One question, followed from Chatbot.ask: analyzed once and passed down as one value."""

from collections import Counter

import pytest

import qa
from qa.models import reading
from qa.pipeline import conversation, question

ASKED = "How many organizations are operating in the IT area?"


@pytest.fixture
def counts(monkeypatch, article_index):
    """How often each piece of analysis runs, counted where the stages call it."""
    seen = Counter()

    def counting(module, name, key):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, **kw: seen.update([key]) or real(*a, **kw))

    for module in (question, conversation):
        counting(module, "detect_language", "language")
        counting(module, "tokenize", "BM25 terms")
    counting(question, "check_question", "checked")
    embedder = article_index.embedder
    counting(embedder, "encode_queries", "MiniLM embedding")
    counting(qa.Reader, "_encode", "WordPiece for the reader")
    counting(reading, "_cut_question", "WordPiece to cut the question")
    counting(reading, "sentence_starts", "passages split into sentences again")
    conversation._known.clear()
    return seen


def test_a_question_is_checked_detected_tokenized_and_embedded_once(article_index, counts):
    answer = qa.Chatbot(article_index).ask(ASKED)
    assert "60,000" in answer.short_answer
    assert counts == {"checked": 1, "language": 1, "BM25 terms": 1, "MiniLM embedding": 1,
                      "WordPiece for the reader": 1}


def test_after_ten_turns_a_question_still_costs_one_analysis(article_index, counts):
    bot = qa.Chatbot(article_index)
    history = []
    for q in ["How many specialists are employed?", "What did Putin say about cyber security?"] * 5:
        history += [{"role": "user", "content": q}, {"role": "assistant", "content": bot.ask(q, history).text}]
    counts.clear()
    bot.ask("Which national project did Putin mention?", history)
    # The earlier turns were resolved when they were asked: only the new question is analyzed.
    assert counts == {"checked": 1, "language": 1, "BM25 terms": 1, "MiniLM embedding": 1,
                      "WordPiece for the reader": 1}
    # A follow-up is searched with the question it leans on: those words are tokenized with it.
    counts.clear()
    bot.ask("And how many organizations?", history)
    assert counts["language"] == 1 and counts["BM25 terms"] == 2 and counts["MiniLM embedding"] == 1


def test_a_chatbots_question_settings_win_over_its_indexs(article_index):
    long = ("What did Putin say about cyber security? " * 75).strip()
    assert 3000 <= len(long) <= 5000
    with pytest.raises(qa.QuestionError, match="the limit is 2,000"):
        qa.Chatbot(article_index).ask(long)
    answer = qa.Chatbot(article_index, settings=qa.Settings(max_question_chars=5000)).ask(long)
    assert answer.question == long
