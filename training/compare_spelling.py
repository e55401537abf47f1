"""Does correcting a question's spelling (``qa.pipeline.spelling``) help the reader, or hurt it?

    python training/compare_spelling.py --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json \
        [--weights qa/models/reader.safetensors] [--typos 600]

On the held-out *train* articles of the reader's record (no dev set is read), each question is
read against its own paragraph, after its article's context as the reader was trained, as
asked and as corrected against that article's words:

- as written in SQuAD (whose writers made their own typos): how many questions the correction
  changes, and F1 on those, before and after;
- with one typo made in one word of five letters or more (a letter deleted, inserted, changed,
  or two swapped; seeded) in ``--typos`` of them: F1 with the typo, corrected, and as written.

F1 is SQuAD's, of the best span (always answering) and at the reader's reading threshold.
Writes ``training/data/spelling.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import train_reader  # noqa: E402

import qa  # noqa: E402
from qa.apps import squad  # noqa: E402
from qa.pipeline.spelling import correct  # noqa: E402
from qa.store.lexical import tokenize  # noqa: E402

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(question: str, rng: random.Random) -> str:
    """``question`` with one typo in one lowercase word of five letters or more (unchanged if none)."""
    words = [w for w in question.split() if len(w) >= 5 and w.isalpha() and w.islower()]
    if not words:
        return question
    word = rng.choice(words)
    i = rng.randrange(len(word))
    kind = rng.choice(("delete", "insert", "change", "swap"))
    if kind == "delete":
        made = word[:i] + word[i + 1:]
    elif kind == "insert":
        made = word[:i] + rng.choice(LETTERS) + word[i:]
    elif kind == "change":
        made = word[:i] + rng.choice(LETTERS.replace(word[i], "")) + word[i + 1:]
    else:
        i = min(i, len(word) - 2)
        made = word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return question.replace(word, made, 1)


def f1s(reader: qa.Reader, examples: list, questions: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per question: the F1 of the best span, and the margin it has."""
    spans = reader.read_pairs(questions, [e.context for e in examples],
                              [e.lead for e in examples] if reader.leads else None)
    f1 = np.array([squad.f1(e.answer, e.context[s.start:s.end]) if s else 0.0
                   for e, s in zip(examples, spans, strict=True)])
    margin = np.array([s.margin if s else -np.inf for s in spans])
    return f1, margin


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", type=Path, required=True)
    p.add_argument("--weights", type=Path, default=ROOT / "qa" / "models" / "reader.safetensors")
    p.add_argument("--typos", type=int, default=600, help="questions given a typo")
    p.add_argument("--out", type=Path, default=ROOT / "training" / "data" / "spelling.json")
    args = p.parse_args(argv)
    record = json.loads(args.weights.with_suffix(".json").read_text(encoding="utf-8"))
    hyper = train_reader.Hyper.recorded(record["hyperparameters"])
    data = json.loads(args.train.read_text(encoding="utf-8"))
    _, held = train_reader.split_articles(data, hyper.holdout_articles, hyper.seed)
    reader = qa.Reader(args.weights)
    threshold = reader.threshold

    examples, fixed = [], []
    for article in held:
        stems = {t for para in article["paragraphs"] for t in tokenize(para["context"])}
        stems.update(tokenize(article["title"].replace("_", " ")))

        def has_terms(terms: list[str], stems: set[str] = stems) -> list[bool]:
            return [t in stems for t in terms]

        made = train_reader.in_context(train_reader.positives([article]), [article], reader.context)
        examples += made
        fixed += [(e, has_terms) for e in made]

    def scored(f1: np.ndarray, margin: np.ndarray) -> dict:
        return {"f1_always_answering": round(100 * float(f1.mean()), 2),
                "f1_at_threshold": round(100 * float(np.where(margin >= threshold, f1, 0.0).mean()), 2),
                "answered": round(float((margin >= threshold).mean()), 3)}

    # As written.
    corrected = [correct(e.question, has) for e, has in fixed]
    changed = [i for i, (e, c) in enumerate(zip(examples, corrected, strict=True)) if c != e.question]
    sub = [examples[i] for i in changed]
    before = f1s(reader, sub, [e.question for e in sub])
    after = f1s(reader, sub, [corrected[i] for i in changed])
    written = {"questions": len(examples), "changed": len(changed), "before": scored(*before),
               "after": scored(*after), "f1_better": int((after[0] > before[0]).sum()),
               "f1_worse": int((after[0] < before[0]).sum()),
               "worse": [[sub[i].question, corrected[changed[i]], sub[i].answer]
                         for i in np.flatnonzero(after[0] < before[0]).tolist()],
               "examples": [[examples[i].question, corrected[i]] for i in changed[:40]]}
    print("as written:", json.dumps({k: v for k, v in written.items() if k != "examples"}), flush=True)

    # Unanswerable questions (made as in training, against their own paragraph): answered more
    # once corrected?
    negatives = train_reader.in_context(train_reader.make_negatives(
        held, 1.0, hyper.seed + 2, train_reader.kinds_for(hyper.topic_share, hyper.inswap_share)), held, reader.context)
    has_of = {e.context: has for e, has in fixed}
    negatives = [e for e in negatives if e.context in has_of]
    fixed_neg = [correct(e.question, has_of[e.context]) for e in negatives]
    moved = [i for i, (e, c) in enumerate(zip(negatives, fixed_neg, strict=True)) if c != e.question]
    sub = [negatives[i] for i in moved]
    _, before = f1s(reader, sub, [e.question for e in sub])
    _, after = f1s(reader, sub, [fixed_neg[i] for i in moved])
    unanswerable = {"questions": len(negatives), "changed": len(moved),
                    "declined_before": int((before < threshold).sum()),
                    "declined_after": int((after < threshold).sum()),
                    "examples": [[negatives[i].question, fixed_neg[i]] for i in moved[:20]]}
    print("unanswerable:", json.dumps({k: v for k, v in unanswerable.items() if k != "examples"}), flush=True)

    # With a typo made.
    rng = random.Random(hyper.seed)
    picked = rng.sample(range(len(examples)), min(args.typos, len(examples)))
    sub = [examples[i] for i in picked]
    typed = [typo(e.question, rng) for e in sub]
    fixed_typed = [correct(t, fixed[i][1]) for t, i in zip(typed, picked, strict=True)]
    clean = f1s(reader, sub, [e.question for e in sub])
    with_typo = f1s(reader, sub, typed)
    repaired = f1s(reader, sub, fixed_typed)
    made = [t != e.question for t, e in zip(typed, sub, strict=True)]
    kept = [f == e.question for f, e in zip(fixed_typed, sub, strict=True)]
    typos = {"questions": len(sub), "typo_made": sum(made),
             "typo_undone": sum(m and k for m, k in zip(made, kept, strict=True)),
             "left_as_written": sum(k and not m for m, k in zip(made, kept, strict=True)),
             "as_written": scored(*clean), "with_typo": scored(*with_typo), "corrected": scored(*repaired)}
    print("one typo:", json.dumps(typos), flush=True)
    args.out.write_text(json.dumps({"weights": str(args.weights.relative_to(ROOT)) if args.weights.is_relative_to(ROOT)
                                    else str(args.weights), "held_out_articles": len(held),
                                    "threshold": threshold, "as_written": written, "unanswerable": unanswerable,
                                    "one_typo": typos},
                                   indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
