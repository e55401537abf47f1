"""Answers: quoted, cited, declined when the article does not say; follow-ups understood."""

import pytest
from conftest import HEADLINE, HEADLINE_EVIDENCE, article_questions

import qa
from qa.answering import answer_type, is_followup, resolve_followup, short_answer
from qa.evaluation import contains_answer

QUESTIONS = [q for q in article_questions() if q["kind"] != "multilingual"]


@pytest.fixture(scope="module")
def bot(article_index):
    return qa.Chatbot(article_index)


@pytest.mark.parametrize("case", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_article_question(bot, case):
    history = [{"role": "user", "content": h} for h in case.get("history", [])]
    answer = bot.ask(case["question"], history)
    if case["kind"] == "out_of_scope":
        assert answer.abstained, answer.text
        assert answer.text.startswith("The article does not say.")
        return
    assert not answer.abstained, answer.text
    assert contains_answer(answer, case["answer_contains"]), answer.text
    assert any(e in p.text for e in case["evidence"] for p in answer.passages)
    assert len(answer.text) <= 400


def test_headline_answer_quotes_and_cites_the_evidence(bot, article_index):
    answer = bot.ask(HEADLINE)
    assert HEADLINE_EVIDENCE in answer.text and answer.text.endswith("[1]")
    assert 0.5 < answer.confidence <= 1.0
    [span] = answer.evidence
    quoted = article_index.document(span.doc_id).text[span.start:span.end]
    assert HEADLINE_EVIDENCE in quoted and quoted in answer.text
    assert answer.passages[0].start <= span.start and span.end <= answer.passages[0].end


def test_follow_up_is_understood_from_history(bot):
    first = "How many specialists are employed?"
    answer = bot.ask(first)
    assert answer.text.startswith("More than a million specialists")
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": answer.text}]
    follow = bot.ask("And how many organizations?", history)
    assert follow.text.startswith("About 60,000 organizations"), follow.text
    assert follow.query == f"{first} And how many organizations?"


def test_gradio_style_history_parts_are_read(bot):
    history = [{"role": "user", "content": [{"type": "text", "text": "What did Putin say Russian companies offer?"}]}]
    assert "global markets" in bot.ask("On which markets are they competitive?", history).text


@pytest.mark.parametrize("question, kind", [
    ("How many organizations?", "number"), ("When was the address?", "date"),
    ("Who thanked the companies?", "name"), ("What did Putin say?", None),
])
def test_answer_type(question, kind):
    assert answer_type(question) == kind


def test_short_answer_prefers_the_number_next_to_the_question_words():
    sentence = "We employ more than a million specialists, and about 60,000 organizations are operating."
    assert short_answer("How many organizations?", sentence, "number") == "about 60,000 organizations"
    assert short_answer("How many specialists?", sentence, "number") == "more than a million specialists"
    assert short_answer("When was it?", "It was given in January 2020 in Moscow.", "date") == "January 2020"


def test_follow_up_detection():
    assert is_followup("And how many organizations?")
    assert is_followup("On which markets are they competitive?")
    assert not is_followup("How many organizations operate in Russia?")
    assert resolve_followup("What about them?", [{"role": "user", "content": "Who are the leaders?"}]) \
        == "Who are the leaders? What about them?"
    assert resolve_followup("What about them?", None) == "What about them?"


def test_several_documents_answers_name_their_document(tmp_path):
    docs = [qa.Document("owls", "Owls hunt at night. Barn owls eat about 1,000 mice a year.", title="Owl facts"),
            qa.Document("bees", "Bees make honey. A hive holds about 50,000 bees in summer.", title="Bee facts")]
    bot = qa.Chatbot(qa.build_index(docs, tmp_path / "ix", progress=False))
    answer = bot.ask("How many bees live in a hive?")
    assert not answer.abstained
    assert "50,000 bees" in answer.text and "(Bee facts)" in answer.text
    assert answer.evidence[0].doc_id == "bees"
