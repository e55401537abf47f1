"""Which context to read each passage with: each of ``qa.ingest.context.FORMATS``, inference only, with
the given reader weights, on held-out train articles (never the dev sets).

    python training/compare_context.py --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json

For each form: F1 always answering, and the F1 / HasAns / NoAns of the own-paragraph mix weighted
as SQuAD 2.0's unanswerables (``choose_threshold.reading_threshold``), at the threshold that form
would choose. With ``bench/news.py --context FORM`` for the visible news and article sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import choose_threshold
import train_reader

import qa
from qa.ingest.context import FORMATS


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", type=Path, required=True, help="SQuAD v1.1 train JSON")
    p.add_argument("--weights", type=Path, default=qa.models.reading.WEIGHTS)
    p.add_argument("--forms", nargs="+", choices=FORMATS, default=list(FORMATS))
    p.add_argument("--articles", type=int, help="of the held-out articles, only the first N")
    p.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"), help="WordNet's dict folder")
    args = p.parse_args(argv)
    wordnet = train_reader.WordNet(args.wordnet)
    hyper = train_reader.Hyper()  # the held-out articles of every reader trained so far (seed 13, 22)
    data = json.loads(args.train.read_text(encoding="utf-8"))
    _, held = train_reader.split_articles(data, hyper.holdout_articles, hyper.seed)
    held = held[:args.articles]
    out = {}
    for form in args.forms:
        _, figures = choose_threshold.reading_threshold(qa.Reader(args.weights, context=form), held, hyper,
                                                         wordnet)
        out[form] = {k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}
        print(form, json.dumps(out[form]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
