"""SQuAD's official answer metrics (v1.1 and v2.0 evaluation scripts), on a predictions dict.

``normalize_answer``, ``exact_match`` and ``f1`` are the official scripts' functions; a
question without gold answers (SQuAD 2.0's unanswerable) is right only when the prediction
is ``""``.
"""

from __future__ import annotations

import collections
import math
import re
import string
from typing import Any

_PUNCTUATION = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)


def normalize_answer(s: str) -> str:
    """Lower text and remove punctuation, articles and extra whitespace (official)."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCTUATION)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def _tokens(s: str) -> list[str]:
    return normalize_answer(s).split() if s else []


def exact_match(gold: str, prediction: str) -> int:
    return int(normalize_answer(gold) == normalize_answer(prediction))


def f1(gold: str, prediction: str) -> float:
    """Token-overlap F1; an empty gold or prediction scores 1 only against another empty one."""
    gold_toks, pred_toks = _tokens(gold), _tokens(prediction)
    if not gold_toks or not pred_toks:
        return float(gold_toks == pred_toks)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_toks), same / len(gold_toks)
    return 2 * precision * recall / (precision + recall)


def golds(qa: dict) -> list[str]:
    """A question's gold answer texts; ``[""]`` for an unanswerable one (v2.0's rule)."""
    texts = [a["text"] for a in qa.get("answers", []) if normalize_answer(a["text"])]
    return texts or [""]


def questions(data: dict) -> list[dict]:
    """Every question of a SQuAD file (``data["data"]``), in file order."""
    return [qa for article in data["data"] for p in article["paragraphs"] for qa in p["qas"]]


def score(data: dict, predictions: dict[str, str]) -> dict[str, Any]:
    """EM and F1 (0-100) of ``predictions`` (``{id: text}``, ``""``: no answer) on ``data``.

    Like the official scripts, a question missing from ``predictions`` counts as wrong. With
    unanswerable questions present, ``HasAns_*`` and ``NoAns_*`` are reported too.
    """
    em: dict[str, float] = {}
    f: dict[str, float] = {}
    has_answer: dict[str, bool] = {}
    for qa in questions(data):
        gold = golds(qa)
        has_answer[qa["id"]] = gold != [""]
        if qa["id"] not in predictions:
            em[qa["id"]] = f[qa["id"]] = 0.0
            continue
        pred = predictions[qa["id"]]
        em[qa["id"]] = max(exact_match(g, pred) for g in gold)
        f[qa["id"]] = max(f1(g, pred) for g in gold)
    out = _means(em, f, list(em), "")
    if not all(has_answer.values()):
        out.update(_means(em, f, [q for q, h in has_answer.items() if h], "HasAns_"))
        out.update(_means(em, f, [q for q, h in has_answer.items() if not h], "NoAns_"))
    return out


def best_threshold(data: dict, answers: dict[str, str], margins: dict[str, float]) -> dict[str, float | None]:
    """SQuAD v2.0's official ``best_exact``/``best_f1`` and their thresholds (``best_exact_margin``,
    ``best_f1_margin``; each metric's own, as the official script finds them with a no-answer
    probability file): each question answers ``answers[id]`` (its best span; ``""`` for none)
    when its ``margins[id]`` is at least the threshold, else ``""``. A margin of None means that
    declining everything is best. Chosen on the file it scores, this is a ceiling: what any
    threshold could give these spans, never a figure to choose a threshold by."""
    gold = {qa["id"]: golds(qa) for qa in questions(data)}
    ids = sorted(gold, key=lambda i: -margins.get(i, -math.inf))  # answered first as the threshold falls
    best: dict[str, float | None] = {}
    for name, metric in (("exact", exact_match), ("f1", f1)):
        # Everything declined: each unanswerable question is right; then answer one more at a time.
        score = top = float(sum(g == [""] for g in gold.values()))
        at = None
        for i in ids:
            if i not in answers or margins.get(i, -math.inf) == -math.inf:
                continue  # never answered at any threshold
            score += max(metric(g, answers[i]) for g in gold[i]) - float(gold[i] == [""])
            if score > top:
                top, at = score, margins[i]
        best[f"best_{name}"], best[f"best_{name}_margin"] = 100.0 * top / len(gold), at
    return best


def _means(em: dict, f: dict, ids: list[str], prefix: str) -> dict[str, Any]:
    n = len(ids)
    return {f"{prefix}exact": 100.0 * sum(em[i] for i in ids) / n if n else 0.0,
            f"{prefix}f1": 100.0 * sum(f[i] for i in ids) / n if n else 0.0,
            f"{prefix}total": n}
