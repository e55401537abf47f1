"""The answerer reads the best passage first, then only the passages that could still beat
its answer (``ReaderAnswerer.read``), with a hand-made reader: no model."""

import math

import pytest

from qa.models.reading import Span
from qa.pipeline.answering import ReaderAnswerer
from qa.types import Passage, Question


class MarginReader:
    """A reader whose best span in a text has the margin the text names: "margin 7.5"."""

    threshold_open = 10.0
    retrieval_weight = 8.0
    read_within = math.inf
    leads = False

    def __init__(self, margin_ceiling: float) -> None:
        self.margin_ceiling = margin_ceiling
        self.calls: list[list[str]] = []

    def read(self, question, texts, leads=None, sentences=None):
        self.calls.append(list(texts))
        spans = [None if t.endswith("none") else Span(n, 0, 6, float(t.split()[-1]), 0.0) for n, t in enumerate(texts)]
        return sorted((s for s in spans if s is not None), key=lambda s: -s.margin)


def passages(*rows: tuple[str, float]) -> list[Passage]:
    return [Passage(text, score, "d", "", 0, len(text)) for text, score in rows]


def read(ceiling: float, found: list[Passage]) -> tuple[list[tuple[float, int]], list[list[str]]]:
    reader = MarginReader(ceiling)
    scored = ReaderAnswerer(reader).read(Question("q", "q", read="q"), found, list(range(len(found))))
    return [(round(score, 3), n) for score, n, _ in scored], reader.calls


FOUND = passages(("margin 12", 2.0), ("margin 3", 1.5), ("margin 15", 1.0), ("margin 1", 0.2))


def test_the_best_passage_is_read_first_then_only_those_that_could_beat_its_answer():
    # The first scores 12 + 8 * 2 = 28: with a ceiling of 14, only a passage scored above
    # (28 - 14) / 8 = 1.75 could beat it, and none is.
    assert read(14.0, FOUND) == ([(28.0, 0)], [["margin 12"]])
    # A ceiling of 17: those above 1.375 (the second) are read, in one more call.
    assert read(17.0, FOUND) == ([(28.0, 0), (15.0, 1)], [["margin 12"], ["margin 3"]])


def test_with_no_ceiling_every_passage_is_read_at_once_and_the_best_score_wins():
    scored, calls = read(math.inf, FOUND)
    assert scored == [(28.0, 0), (23.0, 2), (15.0, 1), (2.6, 3)]
    assert calls == [["margin 12", "margin 3", "margin 15", "margin 1"]]


@pytest.mark.parametrize("ceiling", [0.0, 14.0])
def test_a_best_passage_with_no_span_leaves_every_other_to_read(ceiling):
    scored, calls = read(ceiling, passages(("none", 2.0), ("margin 3", 1.5), ("margin 1", 0.2)))
    assert scored == [(15.0, 1), (2.6, 2)] and len(calls) == 2
