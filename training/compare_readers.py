"""Compare exported readers on the same held-out train questions, each declined at its own reading
threshold (``choose_threshold.py``), as a choice between them is made:

    python training/compare_readers.py --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json \\
        qa/models/reader.safetensors training/runs/reader-v4/reader.safetensors

``choose_threshold.py`` gives each reader's F1 on one fixed mix (SQuAD 2.0's ways of making an
unanswerable question); this says where two readers differ. For each, on the held-out articles
of the first reader's record (every reader must share its split), each question read against
its own paragraph after the reader's own context:

- the share declined of each kind of made-up unanswerable question: every kind of
  ``train_reader`` in equal shares, with ``nounswap`` and WordNet's antonyms, one mix for every
  reader whatever it trained on;
- the answerable questions answered, and their F1 when declining counts 0; the same for the
  quarter worded least like their answer's sentence (``train_reader.least_overlapping_quarter``: people's own
  paraphrases), and for the questions reworded with WordNet's synonyms (``train_reader.paraphrase``,
  a seed no run trains with).

Prints one JSON object per reader; ``--out`` writes them all. Needs Debian's ``wordnet-base``.
Evaluation data are never read.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import train_reader as tr  # noqa: E402

import qa  # noqa: E402
from qa.apps import squad  # noqa: E402

# Every kind of made-up unanswerable question, in equal shares.
ALL_KINDS = {k: 1.0 for k in ("other", "retrieved", "swapped", "negated", "antonym", "topic", "inswap", "nounswap")}
SEED = 77  # of the unanswerable and reworded questions: no run's (runs use 13 and 14 and 15)


def held_out(train: Path, weights: list[Path], wordnet: Path) -> tuple[list[dict], dict[str, list]]:
    """The held-out articles of the readers' records, and the questions asked of every reader."""
    records = [json.loads(w.with_suffix(".json").read_text(encoding="utf-8")) for w in weights]
    splits = {(r["hyperparameters"]["holdout_articles"], r["hyperparameters"]["seed"], r.get("articles_used"))
              for r in records}
    if len(splits) > 1:
        raise SystemExit(f"the readers hold out different articles {sorted(splits, key=str)}: compare them apart")
    holdout, seed, used = splits.pop()
    data = json.loads(train.read_text(encoding="utf-8"))
    if used:
        data = {"data": data["data"][:used]}
    _, held = tr.split_articles(data, holdout, seed)
    words = tr.WordNet(wordnet)
    pos = tr.positives(held)
    shares = {k: v / sum(ALL_KINDS.values()) for k, v in ALL_KINDS.items()}
    neg = tr.make_negatives(held, 1.0, SEED, shares, words, antonyms=True)
    reworded = tr.reworded(pos, words, random.Random(SEED))
    return held, {"answerable": pos, "unanswerable": neg, "reworded": reworded,
                  "low_overlap": tr.least_overlapping_quarter(pos)}


def figures(reader: qa.Reader, held: list[dict], sets: dict[str, list]) -> dict:
    """One reader's figures (see the module), from one reading of every question."""
    pos, neg, reworded = sets["answerable"], sets["unanswerable"], sets["reworded"]
    examples = tr.in_context([*pos, *neg, *reworded], held, reader.context)
    spans = reader.read_pairs([e.question for e in examples], [e.context for e in examples],
                              [e.lead for e in examples] if reader.leads else None)
    margin = np.array([s.margin if s else -math.inf for s in spans])
    f1 = np.array([squad.f1(e.answer, e.context[s.start:s.end]) if s and e.answer else 0.0
                   for e, s in zip(examples, spans, strict=True)])
    answered = margin >= reader.threshold
    out: dict = {"threshold": reader.threshold}
    kinds = np.array([e.kind for e in neg])
    declined = ~answered[len(pos):len(pos) + len(neg)]
    out["declined"] = {k: {"questions": int((kinds == k).sum()),
                           "share": round(100 * float(declined[kinds == k].mean()), 2)} for k in sorted(set(kinds))}
    out["declined_all_kinds"] = round(100 * float(declined.mean()), 2)
    groups = {"answerable": np.arange(len(pos)), "low_overlap": np.array(sets["low_overlap"], dtype=int),
              "reworded": np.arange(len(pos) + len(neg), len(examples))}
    for name, rows in groups.items():
        out[name] = {"questions": len(rows), "answered": round(100 * float(answered[rows].mean()), 2),
                     "f1": round(100 * float(np.where(answered[rows], f1[rows], 0.0).mean()), 2),
                     "f1_always_answering": round(100 * float(f1[rows].mean()), 2)}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("weights", nargs="+", type=Path, help="exported readers (.safetensors with their .json record)")
    p.add_argument("--train", type=Path, required=True, help="SQuAD v1.1 train JSON")
    p.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"), help="WordNet's dict folder")
    p.add_argument("--out", type=Path, help="write the figures here (JSON)")
    args = p.parse_args(argv)
    held, sets = held_out(args.train, args.weights, args.wordnet)
    results = {}
    for weights in args.weights:
        results[str(weights)] = figures(qa.Reader(weights), held, sets)
        print(json.dumps({str(weights): results[str(weights)]}), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
