"""Choose the reader's no-answer threshold for the bot as it answers: over retrieved passages.

    python training/choose_threshold.py --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json

``train_reader.py`` chooses ``threshold`` with each question read against one paragraph
(the SQuAD reading task). The bot reads the best five retrieved passages and keeps the best
span of all of them, so a question the documents do not answer gets five chances to find a
plausible span: it needs its own threshold. This script indexes the paragraphs of the same
held-out *train* articles, asks their questions and the unanswerable ones made from them (as
in training) the way ``qa.Chatbot`` does, and writes into the reader's record the weight of
the retriever's passage score beside the reader's margin (``retrieval_weight``) and the
threshold on that sum (``threshold_open``) that maximize F1 on that mix, with the figures;
then the smallest gap in retrieval score below the best passage (``read_within``) past which a
passage is not read at all, at no loss of F1 on that mix (fewer passages read: a faster
answer). No dev set is read.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_reader

import qa
from qa import reading, squad
from qa.evaluation import squad_documents

# How much the retriever's score of a passage counts beside the reader's margin when choosing
# among the spans of the passages read (BERTserini's interpolation); 0: the reader alone. The
# grid reaches 20 because a tried reader chose 8, its old top.
RETRIEVAL_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0)
# Gaps tried for ``read_within``: a passage scored further below the best one is not read.
READ_WITHIN = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", type=Path, required=True, help="SQuAD v1.1 train JSON")
    p.add_argument("--weights", type=Path, default=reading.WEIGHTS)
    p.add_argument("--limit", type=int, help="a random sample of N held-out questions (seeded)")
    args = p.parse_args(argv)
    record_path = args.weights.with_suffix(".json")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    hyper = train_reader.Hyper(**record["hyperparameters"])
    data = json.loads(args.train.read_text(encoding="utf-8"))
    if record.get("articles_used"):
        data = {"data": data["data"][:record["articles_used"]]}
    _, held = train_reader.split_articles(data, hyper.holdout_articles, hyper.seed)
    positives = train_reader.positives(held)
    kinds = train_reader.kinds_for(hyper.topic_share, hyper.inswap_share)
    negatives = train_reader.make_negatives(held, hyper.negatives, hyper.seed + 1, kinds)
    # Over the whole held-out index only the changed questions (train_reader.CHANGED) are
    # unanswerable: the "other" and "retrieved" ones still have their own paragraph in it.
    cases = [(e.question, e.answer) for e in positives] + [(e.question, None) for e in negatives
                                                           if e.kind in train_reader.CHANGED]
    if args.limit:  # a sample of both kinds, the same every time
        cases = random.Random(hyper.seed).sample(cases, min(args.limit, len(cases)))
    docs, _ = squad_documents({"data": held})
    # English questions only: the multilingual vectors would never be read (qa.Index.dense).
    index = qa.build_index(docs, Path(tempfile.mkdtemp()) / "held-out", progress=False,
                           settings=qa.Settings(multilingual=False))
    reader = qa.Reader(args.weights)
    answerer = qa.ReaderAnswerer(reader)
    retriever = qa.Retriever()
    rows = []  # per question: the margin, retrieval score and F1 of each passage's best span, best passage first
    for question, gold in cases:
        ranking = retriever.retrieve(index, question)
        passages = ranking.passages(index, index.settings.k)[:answerer.passages_read]
        leads = [x.heading for x in passages] if reader.leads else None
        spans = reader.read_pairs([question] * len(passages), [x.text for x in passages], leads)
        rows.append([(s.margin, x.score, squad.f1(gold, x.text[s.start:s.end]) if gold is not None else 0.0)
                     for s, x in zip(spans, passages, strict=True) if s is not None])
    answerable = np.array([gold is not None for _, gold in cases])
    best = None
    for weight in RETRIEVAL_WEIGHTS:
        scores, f1_a = [], []
        for spans in rows:
            top = max(spans, key=lambda r: r[0] + weight * r[1]) if spans else (-math.inf, 0.0, 0.0)
            scores.append(top[0] + weight * top[1])
            f1_a.append(top[2])
        scores_a, f1_a = np.array(scores), np.array(f1_a)
        for t in np.quantile(scores_a[np.isfinite(scores_a)], np.linspace(0, 1, 401)):
            answered = scores_a >= t
            per = np.where(answerable, np.where(answered, f1_a, 0.0), ~answered)
            row = (float(per.mean()), weight, float(t), float(per[answerable].mean()), float(per[~answerable].mean()),
                   float(f1_a[answerable].mean()))
            if best is None or row[0] > best[0]:
                best = row
    read_within, passages_read = None, float(np.mean([len(r) for r in rows]))  # None: read them all
    for gap in READ_WITHIN:  # the smallest gap that loses nothing, at the weight and threshold chosen
        within = [[s for s in spans if s[1] >= spans[0][1] - gap] if spans else [] for spans in rows]
        if f1_at(within, answerable, best[1], best[2]) >= best[0] - 1e-9:
            read_within, passages_read = gap, float(np.mean([len(r) for r in within]))
            break
    record["retrieval_weight"] = best[1]
    record["read_within"] = read_within
    record["threshold_open"] = best[2]
    record["held_out_open"] = {
        "paragraphs": len(docs), "questions": int(answerable.sum()), "unanswerable": int((~answerable).sum()),
        "passages_read": answerer.passages_read, "retrieval_weights_tried": list(RETRIEVAL_WEIGHTS),
        "f1": 100 * best[0], "HasAns_f1": 100 * best[3], "NoAns_accuracy": 100 * best[4],
        "HasAns_f1_always_answering": 100 * best[5],
        "read_within_tried": list(READ_WITHIN), "passages_read_within": round(passages_read, 3),
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"retrieval_weight": best[1], "threshold_open": best[2], "read_within": read_within,
                      **record["held_out_open"]}, indent=1))
    return 0


def f1_at(rows: list[list[tuple[float, float, float]]], answerable: np.ndarray, weight: float,
          threshold: float) -> float:
    """Mean F1 over the mix (an unanswerable question scores 1 when declined) when each question's
    answer is its best span by margin plus ``weight`` times retrieval score, declined under ``threshold``."""
    per = []
    for spans, has in zip(rows, answerable, strict=True):
        top = max(spans, key=lambda r: r[0] + weight * r[1]) if spans else (-math.inf, 0.0, 0.0)
        answered = top[0] + weight * top[1] >= threshold
        per.append((top[2] if answered else 0.0) if has else float(not answered))
    return float(np.mean(per))


if __name__ == "__main__":
    sys.exit(main())
