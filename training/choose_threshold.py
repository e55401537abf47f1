"""Choose the reader's no-answer threshold for the bot as it answers: over retrieved passages.

    python training/choose_threshold.py --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json

``train_reader.py`` chooses ``threshold`` with each question read against one paragraph
(the SQuAD reading task). The bot reads the best five retrieved passages and keeps the best
span of all of them, so a question the documents do not answer gets five chances to find a
plausible span: it needs its own threshold. This script indexes the paragraphs of the same
held-out *train* articles, asks their questions and the unanswerable ones made from them (as
in training) the way ``qa.Chatbot`` does, and writes the threshold that maximizes F1 on that
mix into the reader's record as ``threshold_open``, with the figures. No dev set is read.
"""

from __future__ import annotations

import argparse
import json
import math
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", type=Path, required=True, help="SQuAD v1.1 train JSON")
    p.add_argument("--weights", type=Path, default=reading.WEIGHTS)
    p.add_argument("--limit", type=int, help="only the first N held-out questions (a quick test)")
    args = p.parse_args(argv)
    record_path = args.weights.with_suffix(".json")
    record = json.loads(record_path.read_text(encoding="utf-8"))
    hyper = train_reader.Hyper(**record["hyperparameters"])
    data = json.loads(args.train.read_text(encoding="utf-8"))
    if record.get("articles_used"):
        data = {"data": data["data"][:record["articles_used"]]}
    _, held = train_reader.split_articles(data, hyper.holdout_articles, hyper.seed)
    positives = train_reader.positives(held)
    negatives = train_reader.make_negatives(held, hyper.negatives, hyper.seed + 1)
    cases = [(e.question, e.answer) for e in positives] + [(e.question, None) for e in negatives]
    cases = cases[:args.limit] if args.limit else cases
    docs, _ = squad_documents({"data": held})
    index = qa.build_index(docs, Path(tempfile.mkdtemp()) / "held-out", progress=False)
    reader = qa.Reader(args.weights)
    answerer = qa.ReaderAnswerer(reader)
    retriever = qa.Retriever()
    margins, f1s = [], []
    for question, gold in cases:
        ranking = retriever.retrieve(index, question)
        passages = ranking.passages(index, index.settings.k)[:answerer.passages_read]
        spans = reader.read(question, [x.text for x in passages])
        best = spans[0] if spans else None
        margins.append(best.margin if best else -math.inf)
        text = passages[best.passage].text[best.start:best.end] if best else ""
        f1s.append(squad.f1(gold, text) if gold is not None else 0.0)
    margins_a, f1_a = np.array(margins), np.array(f1s)
    answerable = np.array([gold is not None for _, gold in cases])
    best = None
    for t in np.quantile(margins_a[np.isfinite(margins_a)], np.linspace(0, 1, 401)):
        answered = margins_a >= t
        per = np.where(answerable, np.where(answered, f1_a, 0.0), ~answered)
        row = (float(per.mean()), float(t), float(per[answerable].mean()), float(per[~answerable].mean()))
        if best is None or row[0] > best[0]:
            best = row
    record["threshold_open"] = best[1]
    record["held_out_open"] = {
        "paragraphs": len(docs), "questions": int(answerable.sum()), "unanswerable": int((~answerable).sum()),
        "passages_read": answerer.passages_read, "f1": 100 * best[0], "HasAns_f1": 100 * best[2],
        "NoAns_accuracy": 100 * best[3],
        "HasAns_f1_always_answering": 100 * float(f1_a[answerable].mean()),
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({"threshold_open": best[1], **record["held_out_open"]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
