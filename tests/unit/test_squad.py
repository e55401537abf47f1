"""SQuAD's official EM/F1 on a predictions dict, against figures worked out by hand (pure, fast)."""

import math

import pytest

from qa.apps import squad

DATA = {"version": "2.0", "data": [{"title": "Owls", "paragraphs": [{
    "context": "Barn owls hunt at night. They eat about 1,000 mice a year.",
    "qas": [
        {"id": "q1", "question": "When do barn owls hunt?", "answers": [{"text": "at night", "answer_start": 15}]},
        {"id": "q2", "question": "How many mice?",
         "answers": [{"text": "about 1,000 mice", "answer_start": 34}, {"text": "1,000", "answer_start": 40}]},
        {"id": "q3", "question": "What do bats eat?", "answers": [], "is_impossible": True},
    ]}]}]}


def test_official_normalization():
    assert squad.normalize_answer("The  Barn-Owl, an owl!") == "barnowl owl"


@pytest.mark.parametrize("gold, prediction, em, f1", [
    ("at night", "at night", 1, 1.0),
    ("at night", "The night", 0, 2 * 0.5 * 1.0 / 1.5),   # tokens: [night] vs [at, night]: P 1, R 0.5
    ("about 1,000 mice", "1,000 mice a year", 0, 2 / 3),  # [about 1000 mice] vs [1000 mice year]
    ("", "", 1, 1.0),
    ("", "mice", 0, 0.0),
])
def test_exact_match_and_f1(gold, prediction, em, f1):
    assert squad.exact_match(gold, prediction) == em
    assert squad.f1(gold, prediction) == pytest.approx(f1)


def test_score_takes_the_best_gold_and_splits_answerable_from_unanswerable():
    preds = {"q1": "night", "q2": "1,000", "q3": ""}
    s = squad.score(DATA, preds)
    # q1: F1 2/3 (P 1, R 1/2), EM 0; q2: the second gold matches exactly; q3: "" is right.
    assert s["exact"] == pytest.approx(100 * 2 / 3)
    assert s["f1"] == pytest.approx(100 * (2 / 3 + 1 + 1) / 3)
    assert s["HasAns_f1"] == pytest.approx(100 * (2 / 3 + 1) / 2) and s["HasAns_total"] == 2
    assert s["NoAns_exact"] == 100.0 and s["NoAns_total"] == 1


def test_a_missing_prediction_counts_as_wrong():
    assert squad.score(DATA, {"q3": "owls"})["exact"] == 0.0


def test_the_open_setting_reads_each_paragraph_in_its_articles_context():
    from qa.apps.evaluation import SquadAnswerer
    from qa.models.reading import Reader
    from qa.types import Passage

    data = {"data": [{"title": "Barn_owl", "paragraphs": [
        {"context": "The barn owl lives on every continent. It hunts at night.", "qas": []},
        {"context": "It eats about 1,000 mice a year.", "qas": []}]}]}
    answerer = SquadAnswerer(Reader(context="lead"), data)
    first, later, second = (Passage(text="", score=0.0, doc_id=f"Barn_owl#{n}", title="Barn owl", start=at, end=at)
                            for n, at in ((0, 0), (0, 39), (1, 0)))
    # Indexed alone, the second paragraph would have no lead: in its article it has the first sentence.
    assert answerer.contexts([first, later, second], [0, 1, 2]) == [
        "Barn owl", *["Barn owl\nThe barn owl lives on every continent."] * 2]
    assert SquadAnswerer(Reader(context="none"), data).contexts([second], [0]) is None


def test_the_best_threshold_is_the_official_best_f1():
    answers = {"q1": "night", "q2": "1,000", "q3": "bats"}
    # Declined: q3 right (1 of 3). Answering q2 (margin 5): +1; q3 next (margin 4) loses 1; q1 (margin 3): +2/3.
    best = squad.best_threshold(DATA, answers, {"q1": 3.0, "q2": 5.0, "q3": 4.0})
    assert best == pytest.approx({"best_exact": 100 * 2 / 3, "best_exact_margin": 5.0,
                                  "best_f1": 100 * 2 / 3, "best_f1_margin": 5.0})
    # When q3 is the least sure, answering the other two is best for F1 (at margin 3: q1's 2/3 counts)
    # while EM gains nothing from q1 (not exact): each metric has its own threshold.
    best = squad.best_threshold(DATA, answers, {"q1": 3.0, "q2": 5.0, "q3": 1.0})
    assert best == pytest.approx({"best_exact": 100 * 2 / 3, "best_exact_margin": 5.0,
                                  "best_f1": 100 * (1 + 2 / 3 + 1) / 3, "best_f1_margin": 3.0})


def test_the_best_threshold_may_be_to_decline_everything():
    # Every span is wrong and the surest is unanswerable: no threshold beats declining all (None).
    answers = {"q1": "mice", "q2": "night", "q3": "bats"}
    best = squad.best_threshold(DATA, answers, {"q1": 1.0, "q2": 2.0, "q3": 9.0})
    assert best["best_f1"] == pytest.approx(100 / 3) and best["best_f1_margin"] is None
    # A question with no span (margin -inf, or none at all) is never answered.
    best = squad.best_threshold(DATA, {"q2": "1,000"}, {"q1": -math.inf, "q2": 2.0})
    assert best["best_f1"] == pytest.approx(100 * 2 / 3) and best["best_f1_margin"] == 2.0
