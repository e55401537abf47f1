"""Compare runs of the reader that went on from one checkpoint (``train_reader.py --until``), on
the held-out train articles, as a choice between them is made:

    python training/compare_runs.py training/runs/A training/runs/B -- <the run's own arguments>

For each run's last checkpoint (full precision, as trained), on the run's held-out articles:

- every held-out question as asked (F1, EM), and with the unanswerable ones made as in
  training, at the threshold best for that mix (F1, NoAns, and NoAns by kind);
- the questions asked in other words (``train_reader.paraphrase``, a seed no run trained with):
  what WordNet's synonyms do to each;
- the quarter of the questions that share the fewest words with their answer's sentence:
  people's own paraphrases, which no run generated.

Writes ``<first run>/comparison.json``. Evaluation data are never read.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import train_reader as tr  # noqa: E402

from qa.apps import squad  # noqa: E402
from qa.models import reading  # noqa: E402


def held_out(run: argparse.Namespace, hyper: tr.Hyper) -> dict[str, list]:
    """The run's held-out questions, unanswerables and paraphrased questions, and the positions
    in the questions of the least overlapping quarter."""
    data = json.loads(run.train.read_text(encoding="utf-8"))
    if run.articles:  # as train_reader.main cuts them, before the split
        data = {"data": data["data"][:run.articles]}
    _, held = tr.split_articles(data, hyper.holdout_articles, hyper.seed)
    pos, neg = tr.held_out_examples(held, hyper)
    para = tr.reworded(pos, tr.WordNet(run.wordnet), random.Random(hyper.seed + 101))
    if hyper.context != "none":
        for examples in (pos, neg, para):
            tr.in_context(examples, data["data"], hyper.context)
    low = tr.least_overlapping_quarter(pos)
    return {"pos": pos, "neg": neg, "paraphrased": para, "low_overlap": low}


def figures(model, tokenizer, sets: dict[str, list], hyper: tr.Hyper) -> dict:
    """The figures of one run, from one reading of every question."""
    pos, neg, para = sets["pos"], sets["neg"], sets["paraphrased"]
    preds = tr.predict(model, tokenizer, pos + neg + para, hyper)
    split = len(pos) + len(neg)
    pos_preds, neg_preds, para_preds = preds[:len(pos)], preds[len(pos):split], preds[split:]
    mixed = tr.scored(pos, neg, pos_preds + neg_preds)
    threshold = mixed["with_unanswerable"]["threshold"]
    by_kind = {}
    for kind in sorted({e.kind for e in neg}):
        margins = [p[1] for e, p in zip(neg, neg_preds, strict=True) if e.kind == kind]
        by_kind[kind] = round(100 * float(np.mean([m <= threshold for m in margins])), 2)
    out = {"held_out": mixed, "NoAns_by_kind": by_kind}
    low = sets["low_overlap"]
    for name, examples, predicted in (("paraphrased", para, para_preds),
                                      ("low_overlap", [pos[i] for i in low], [pos_preds[i] for i in low])):
        if not examples:
            out[name] = {"questions": 0}
            continue
        f1 = [squad.f1(e.answer, p[0]) for e, p in zip(examples, predicted, strict=True)]
        answered = [p[1] > threshold for p in predicted]
        out[name] = {"questions": len(f1), "f1": 100 * float(np.mean(f1)),
                     "answered": 100 * float(np.mean(answered)),
                     "f1_at_threshold": 100 * float(np.mean([f if a else 0.0 for f, a in zip(f1, answered,
                                                                                               strict=True)]))}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", type=Path, help="run folders, each with a checkpoint/")
    p.add_argument("run", nargs=argparse.REMAINDER, help="-- and the run's own arguments")
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--")
    args = p.parse_args(argv[:split])
    run = tr.parser().parse_args(argv[split + 1:])
    hyper = tr.hyper_of(run)
    sets = held_out(run, hyper)
    tokenizer = reading.load_tokenizer()
    results = {}
    for folder in args.runs:
        state = json.loads((folder / "checkpoint" / "state.json").read_text())
        model = tr.start_model(None)
        model.load_state_dict(load_file(str(folder / "checkpoint" / "model.safetensors")), strict=False)
        results[str(folder)] = {"step": state["step"], **figures(model, tokenizer, sets, hyper)}
        print(json.dumps({str(folder): results[str(folder)]}, indent=1), flush=True)
    (args.runs[0] / "comparison.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
