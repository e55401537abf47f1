"""The reader's decoding, on hand-made logits: pure numpy, no model."""

import numpy as np

from qa.models.reading import best_span, decode


def test_the_best_span_lies_in_the_passage_in_order_and_within_the_length():
    start = np.array([9.0, 0, 5, 1, 0, 0])  # [CLS] first: the no-answer score
    end = np.array([9.0, 0, 0, 1, 4, 0])
    context = np.array([False, False, True, True, True, True])
    i, j, score, null = best_span(start, end, context, max_answer_tokens=3)
    assert (i, j, score, null) == (2, 4, 9.0, 18.0)
    assert best_span(start, end, context, max_answer_tokens=2)[:2] == (2, 3)  # 2..4 is three tokens long


def test_a_span_never_crosses_a_sentence():
    start, end = np.array([0, 5.0, 0, 0]), np.array([0, 0, 0, 5.0])
    context = np.array([False, True, True, True])
    assert best_span(start, end, context, 4)[:2] == (1, 3)
    assert best_span(start, end, context, 4, sentence=np.array([0, 1, 1, 2]))[:2] != (1, 3)


class Windows(dict):
    """A tokenizer's output for two texts, the second in two windows (a boundary we do not own:
    the fast tokenizer's ``BatchEncoding``)."""

    def __init__(self):
        super().__init__(input_ids=[[0] * 4, [0] * 4, [0] * 4], overflow_to_sample_mapping=[0, 1, 1],
                         offset_mapping=[[(0, 0), (0, 3), (4, 8), (0, 0)]] * 3)

    def sequence_ids(self, w):
        return [None, 1, 1, None]


def test_decode_keeps_each_texts_best_window_and_skips_its_lead():
    logits = [np.array([0.0, 3, 1, 0]), np.array([0.0, 1, 2, 0]), np.array([0.0, 0, 6, 0])]
    spans = decode(Windows(), logits, logits, 2, max_answer_tokens=5)
    assert [(s.passage, s.start, s.end) for s in spans] == [(0, 0, 3), (1, 4, 8)]
    assert spans[1].margin == 12.0  # the second window's, the better of text 1's two
    # The first 4 characters are a lead read before the text: no span starts in them.
    led = decode(Windows(), logits, logits, 2, 5, skips=[4, 4])
    assert [(s.start, s.end) for s in led] == [(0, 4), (0, 4)]
