"""The question's numbers read as the passages write them (``numbers_as_written``): pure text."""

import pytest

from qa.pipeline.answering import numbers_as_written

PASSAGES = ["In this area we have about 60,000 organizations, up from 9,500 in 2015, and 2,015 staff.",
            "The agency employs 23000 people; 12,345.67 dollars were spent; 1,990 visitors came in the 1990s."]


@pytest.mark.parametrize(("question", "read"), [
    ("putin on 60000 orgs?", "putin on 60,000 orgs?"),              # separators dropped when typed
    ("Why 9500 in 2015?", "Why 9,500 in 2015?"),
    ("How many of its 23,000 staff?", "How many of its 23000 staff?"),  # the passage writes it plain
    ("Is it 12345?", "Is it 12345?"),                                # 12,345.67 is another number
    ("About 600000 organizations?", "About 600000 organizations?"),  # no passage says it
    ("What is 60000.5?", "What is 60000.5?"),                        # a decimal is left as it is
    ("What happened in 2015?", "What happened in 2015?"),            # a year, though "2,015 staff" is there
    ("Were there 1990 visitors?", "Were there 1990 visitors?"),      # 1000-2099 may be a year
    ("From 60000-70000?", "From 60000-70000?"),                      # a range
    ("Is model A60000 new?", "Is model A60000 new?"),                # part of a word
])
def test_numbers_are_read_as_the_passages_write_them(question, read):
    assert numbers_as_written(question, PASSAGES) == read


def test_the_questions_own_form_stays_if_a_passage_writes_it_so_else_the_first_passages():
    assert numbers_as_written("60000?", ["60 000 a year", "60,000 in all", "60000"]) == "60000?"
    assert numbers_as_written("60000?", ["60 000 a year", "60,000 in all", "60,000.5"]) == "60,000?"
    assert numbers_as_written("60000?", []) == "60000?"
