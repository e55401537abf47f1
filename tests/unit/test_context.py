"""What the reader reads before a passage (qa.ingest.context): pure text, no model."""

import pytest

from qa.ingest.context import FORMATS, around, article_context_at, article_contexts, names_someone, reading_context
from qa.ingest.text import split_sentences

ARTICLE = ("Port Alvera to raise transport spending\n\n"
           "The city will raise its budget by 18 percent, Mayor Ines Carvalhal said on Tuesday. "
           "Most of the money will go to buses, she said.\n\n"
           "Rui Patacas, chief executive of the operator, said ridership had returned. "
           "He thanked the drivers' union for a new schedule.")
TITLE = "Port Alvera to raise transport spending"


def sentences(text):
    body = text.index("\n\n") + 2  # the headline is a heading, not a sentence
    return [(body + a, body + b) for a, b in split_sentences(text[body:], 1000)]


def test_a_passage_after_the_lead_reads_the_title_and_the_lead_sentence():
    start = ARTICLE.index("He thanked")
    lead, named = around(ARTICLE, sentences(ARTICLE), start)
    assert named == "Rui Patacas, chief executive of the operator, said ridership had returned."
    lead = reading_context(TITLE, lead, named, "lead")
    assert lead.splitlines() == [TITLE, "The city will raise its budget by 18 percent, Mayor Ines Carvalhal said on "
                                        "Tuesday."]
    # "named" adds the last sentence before the passage that names someone (who "he" is).
    read = reading_context(TITLE, *around(ARTICLE, sentences(ARTICLE), start), "named")
    assert read.splitlines()[2] == "Rui Patacas, chief executive of the operator, said ridership had returned."


def test_a_passage_that_holds_the_lead_reads_only_the_title():
    start = ARTICLE.index("The city")
    assert around(ARTICLE, sentences(ARTICLE), start) == ("", "")
    for form in ("title", "lead", "named"):
        assert reading_context(TITLE, "", "", form) == TITLE
    assert reading_context(TITLE, "", "", "none") == ""


def test_a_long_context_sentence_is_cut_at_a_space():
    text = "Lead " + "word " * 200 + "end.\n\nThe passage."
    spans = split_sentences(text, 5000)
    context = reading_context("T", *around(text, spans, text.index("The passage")), "lead")
    assert context.endswith(" …") and len(context) < 300 and context.splitlines()[1].startswith("Lead word")


def test_an_unknown_form_names_the_choices():
    with pytest.raises(ValueError, match="form must be one of"):
        reading_context("T", "x", "", "everything")
    assert FORMATS[0] == "none"


def test_each_paragraph_of_an_article_gets_its_context_in_order():
    paragraphs = ["Chopin was born in 1810 in Poland. He left in 1830.", "He settled in Paris.", "He died in 1849."]
    first, second, third = article_contexts("Chopin", paragraphs, "lead")
    assert first == "Chopin"
    assert second == third == "Chopin\nChopin was born in 1810 in Poland."
    assert article_contexts("Chopin", paragraphs, "none") == ["", "", ""]


def test_a_passage_inside_a_paragraph_gets_the_context_it_has_in_the_whole_article():
    paragraphs = ["Chopin was born in 1810 in Poland. He left in 1830.", "He settled in Paris.", "He died in 1849."]
    at = article_context_at("Chopin", paragraphs, "lead")
    assert at(0) == "Chopin"  # the passage holds the lead
    assert at(0, paragraphs[0].index("He left")) == "Chopin\nChopin was born in 1810 in Poland."
    assert at(2, 3) == at(2) == "Chopin\nChopin was born in 1810 in Poland."
    assert article_context_at("Chopin", paragraphs, "none")(1, 4) == ""


@pytest.mark.parametrize(("sentence", "named"), [
    ("Russia should act, President Vladimir Putin said at a meeting.", True),
    ("“It is necessary,” Putin said.", True),
    ("According to Carvalhal, 140 buses are old.", True),
    ("He thanked the companies.", False),
    ("In this area, we have about 60,000 organizations.", False),
])
def test_names_someone(sentence, named):
    assert names_someone(sentence) is named
