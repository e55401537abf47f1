"""The question's numbers read as the passages write them (``numbers_as_written``): pure text."""

import pytest

from qa.pipeline.answering import numbers_as_written

PASSAGES = ["In this area we have about 60,000 organizations, up from 9,500 in 2015.",
            "The agency employs 2300 people; 12,345.67 dollars were spent."]


@pytest.mark.parametrize(("question", "read"), [
    ("putin on 60000 orgs?", "putin on 60,000 orgs?"),            # separators dropped when typed
    ("Why 9500 in 2015?", "Why 9,500 in 2015?"),                   # a year stays a year
    ("How many of its 2,300 staff?", "How many of its 2300 staff?"),  # the passage writes it plain
    ("Is it 12345?", "Is it 12345?"),                              # 12,345.67 is another number
    ("About 600000 organizations?", "About 600000 organizations?"),  # no passage says it
    ("What is 60,000.5?", "What is 60,000.5?"),                    # a decimal is left as it is
])
def test_numbers_are_read_as_the_passages_write_them(question, read):
    assert numbers_as_written(question, PASSAGES) == read


def test_the_first_passage_that_holds_a_number_decides_its_form():
    assert numbers_as_written("60000?", ["60 000 a year", "60,000 in all", "60000"]) == "60,000?"
    assert numbers_as_written("60000?", []) == "60000?"
