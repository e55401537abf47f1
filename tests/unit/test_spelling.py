"""Misspelled words of a question read as the documents write them, on a hand-made
word list and documents' vocabulary (and once on pyspellchecker's own list: no model)."""

import pytest

from qa.pipeline.spelling import English, correct, english_words
from qa.store.lexical import tokenize

ENGLISH_WORDS = English({"what": 900, "did": 800, "say": 700, "about": 650, "and": 990, "band": 60, "security": 50,
                         "many": 500, "are": 600, "operating": 40, "cafe": 5, "cases": 90, "who": 880,
                         "thank": 30, "the": 1000, "article": 70, "enter": 90, "entire": 40,
                         "orgy": 3, "organization": 80, "putin": 10, "bought": 60, "mode": 90, "want": 95,
                         "wasn't": 50, "where": 700, "when": 750, "ensuring": 20})
DOCUMENTS = "Putin thanked the companies. About 60,000 organizations are operating. Ensuring cyber security. " \
            "Somtel was bought by Dahabshiil. The entire Old Town. Radio and TV bands. " \
            "Zelensky wants peace."


def has_terms(terms: list[str]) -> list[bool]:
    stems = set(tokenize(DOCUMENTS))
    return [t in stems for t in terms]


def fix(question: str) -> str:
    return correct(question, has_terms, ENGLISH_WORDS)


@pytest.mark.parametrize("asked, read", [
    ("What did Putin say about cyber securty?", "What did Putin say about cyber security?"),
    ("how many are opperating?", "how many are operating?"),
    ("Who did Putin thnak?", "Who did Putin thank?"),               # "thank" is in the documents ("thanked")
    ("Ensurng cyber security?", "Ensuring cyber security?"),         # a capital opening a sentence: not a name
    ("Who bought Somtal?", "Who bought Somtel?"),                    # a name, as the documents write it
    ("Who did Zelenskyy thank?", "Who did Zelensky thank?"),         # of names with one stem, the shortest
    ("What is the entre Old Town?", "What is the entire Old Town?"),  # the documents' word before a commoner one
])
def test_a_misspelled_word_is_read_as_english_or_the_documents_write_it(asked, read):
    assert fix(asked) == read


@pytest.mark.parametrize("question", [
    "What did Putin say about bitcoin?",     # not a typo of any word: kept
    "How many cafes are there?",             # an inflection of an English word ("cafe"), not "cases"
    "Who is Jing?",                          # a name of four letters: "King" is one edit away from too many
    "Who is Xomtel?",                        # a name's first letter is kept as typed
    "What did McKinsey and NATO say?",       # capitals inside: a name or an acronym
    "how mny are operating?",                # under four letters: many? my? any?
    "putin on 60000 orgs?",                  # short for a longer word ("organizations"), not "orgy"
    "Кто купил Somtel?",                     # only letters of English words are edited
    "what did modi say?",                    # a name typed in lowercase, the documents lack: not "mode"
    "what wasnt said?",                      # an apostrophe left out: not "want"
    "Radio iand TV?",                        # one edit from a stop word ("and"): "band" is no answer
    "Wher is Somtel?",                       # "where" or "when"?
    "What did Putin say about the organizations?",
])
def test_words_that_are_not_typos_of_a_known_word_are_kept(question):
    assert fix(question) == question


def test_a_question_in_another_language_or_of_no_language_told_and_mostly_unknown_words_is_left():
    assert correct("Who bought Somtal?", has_terms, ENGLISH_WORDS, language="de") == "Who bought Somtal?"
    assert correct("Who bought Somtal?", has_terms, ENGLISH_WORDS, language=None) == "Who bought Somtel?"
    german = "Wie viele Organisationen hat Somtal?"
    assert correct(german, has_terms, ENGLISH_WORDS, language=None) == german


def test_names_from_the_documents_win_and_case_is_kept():
    assert fix("What did Dahabshil buy?") == "What did Dahabshiil buy?"
    assert fix("WHAT DID PUTIN SAY ABOUT SECURTY?") == "WHAT DID PUTIN SAY ABOUT SECURTY?"  # shouting: left


def test_pyspellchecker_list_knows_british_and_american_words_and_their_inflections():
    english = english_words()
    assert all(english.knows(w) for w in ("theaters", "colours", "colors", "cafes", "lawmakers"))
    assert not english.knows("opperating") and not english.knows("securty")
