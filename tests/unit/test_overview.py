"""Questions about the documents as a whole, told from every other question (pure text)."""

import pytest

from qa.pipeline.overview import asks_overview
from qa.types import Question


@pytest.mark.parametrize("text", [
    "What is the article about?", "what's this article about", "What is it about?", "What's this all about?",
    "What are these documents about?", "So what is the news story about?", "What does the article say?",
    "What does this article talk about?", "What does the text cover?", "What is the main topic of the article?",
    "What's the gist?", "Summarize the article", "Can you summarize this document?", "Please sum it up.",
    "Give me a short summary of the article.", "tl;dr", "Summary?", "What is the subject of the text?",
    "Give me an overview of the article", "Could you please summarize the article?", "What are the key points?",
    "What's the article mainly about?", "What is the article saying?", "Tell me what the article is about",
    "What are the stories about?", "Hey, what is the article about?", "Whats the article about",
    "What is the document's main point?", "Describe the article",
])
def test_questions_about_the_whole_document(text):
    assert asks_overview(Question(text=text, query=text))


@pytest.mark.parametrize("text", [
    "What did Putin say about cyber security?", "What is the article about cyber security?",
    "What does the article say about oil prices?", "What is the Digital Economy national project about?",
    "What is the population of Brazil?", "What is the main source of revenue?", "Who wrote the article?",
    "Summarize what Putin said about IT.", "What is the summary of the budget?", "What is this rocket about?",
    # what the article mentions, which the reader answers
    "What does the UN report say?", "What was the letter about?", "What is the book about?",
    "What is the subject of the letter?", "What did the news report?", "What's the point?", "What is it on?",
    "What are the key points of the agreement?", "Describe the launch site.",
])
def test_other_questions(text):
    assert not asks_overview(Question(text=text, query=text))


def test_only_english_questions():
    assert not asks_overview(Question(text="What is the article about?", query="", language="ru"))


def test_in_a_conversation_only_when_it_names_the_document():
    followup = "What is the Digital Economy national project? What is it about?"
    assert not asks_overview(Question(text="What is it about?", query=followup))
    assert asks_overview(Question(text="What is the article about?", query="Who spoke? What is the article about?"))


@pytest.mark.parametrize("text", ["Summarize this", "Can you sum it up?", "tl;dr", "Give me a quick summary please",
                                  "Recap?", "Ok, summarize this", "So, can you sum it up?", "Give me the gist",
                                  "Gist?", "Overview?"])
def test_a_summary_request_in_a_conversation_asks_for_the_overview(text):
    # No span answers "Summarize this" read with the last question: it asks for the documents' overview.
    assert asks_overview(Question(text=text, query=f"How many specialists are employed? {text}"))


@pytest.mark.parametrize("text", ["What's the gist?", "What is this about?", "What does it say?"])
def test_a_question_on_what_it_is_about_in_a_conversation_is_a_follow_up(text):
    assert not asks_overview(Question(text=text, query=f"What is the national project? {text}"))


def test_a_document_named_by_its_title_is_asked_about_as_a_whole():
    from types import SimpleNamespace

    from qa.pipeline.overview import overview_documents

    docs = [SimpleNamespace(id="owls", title="Owl facts"), SimpleNamespace(id="bees", title="Bees")]
    index = SimpleNamespace(documents=docs)
    assert overview_documents(index, Question(text="What is “Owl facts” about?", query="")) == docs[:1]
    assert overview_documents(index, Question(text="what's bees about", query="")) == docs[1:]
    assert overview_documents(index, Question(text="What is the article about?", query="")) == docs
    assert overview_documents(index, Question(text="What is the night hunt about?", query="")) is None
