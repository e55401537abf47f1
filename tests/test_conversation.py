"""Follow-ups: which questions lean on the previous one, and what is searched then (pure, fast)."""

import pytest

from qa.pipeline.conversation import MAX_QUERY_CHARS, content, is_followup, resolve, resolve_history


@pytest.mark.parametrize("question", [
    "Why did he thank them?", "And how many organizations?", "What about Europe?", "Why?",
    "What is that?", "How did they achieve it?", "On which markets are they competitive?",
])
def test_questions_that_lean_on_the_previous_one(question):
    assert is_followup(question)


@pytest.mark.parametrize("question", [
    "Who is Putin?", "Is there a national project?", "How many organizations operate in Russia?",
    "What did Putin say about cyber security?", "What is the population of Brazil?",
    "What happened that year in Moscow?", "Which one of the companies is largest?",
])
def test_questions_that_stand_alone(question):
    assert not is_followup(question)


def _user(*questions):
    return [m for q in questions for m in ({"role": "user", "content": q},
                                           {"role": "assistant", "content": "An answer [1]"})]


def test_a_follow_up_puts_the_new_question_first():
    history = _user("How many specialists are employed?")
    assert resolve_history("And how many organizations?", history) == \
        "And how many organizations? How many specialists are employed?"


@pytest.mark.parametrize("turns", [1, 3, 30])
def test_a_new_topic_is_searched_as_asked_after_any_number_of_turns(turns):
    history = _user(*["What did Putin say about cyber security?", "And why?", "What about them?"] * turns)
    assert resolve_history("Who is Putin?", history) == "Who is Putin?"
    assert resolve_history("Is there a national project?", history) == "Is there a national project?"


def test_a_chain_of_follow_ups_stays_bounded_and_keeps_the_newest_words():
    history = _user("What did Putin say about cyber security?", *["And what about them?"] * 60)
    query = resolve_history("Why did he thank them?", history)
    assert query.startswith("Why did he thank them? And what about them?")
    assert len(query) <= MAX_QUERY_CHARS


def test_a_follow_up_leans_on_the_last_resolved_question_only():
    assert resolve("Why?", "What did he say? What about cyber security?") == \
        "Why? What did he say? What about cyber security?"
    assert resolve("Why?", None) == "Why?"


def test_gradio_message_parts_are_read():
    assert content([{"type": "text", "text": "What did Putin say?"}]) == "What did Putin say?"
    assert content({"role": "user", "content": "Hi"}) == "Hi"
