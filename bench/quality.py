"""Quality benchmark: SQuAD's official EM/F1 and retrieval on SQuAD v1.1/v2.0 dev, and the article set.

    python bench/quality.py [--limit N] [--open-limit N] [--cache DIR] [--skip-open]

For each SQuAD dev file, two settings, each writing the official predictions file into
bench/predictions/ and scoring it with the official metric (``qa eval``'s code):

- reading: each question answered from its own paragraph (the standard SQuAD task,
  comparable with published systems);
- open: every paragraph indexed, each question answered over all of them, as the bot
  answers; with it the rank of the question's own paragraph (R@1/R@5/MRR@10) under the
  shipped ranking.

Writes bench/quality.json and rewrites BENCHMARKS.md. SQuAD is read from ../shared/data/;
download the dev sets from https://rajpurkar.github.io/SQuAD-explorer/ (dev-v1.1.json,
dev-v2.0.json) if it is missing. Never run as a test.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from report import ROOT, SHARED, load, machine, write_report  # bench/ is on sys.path when run as a script

SQUAD = {
    "SQuAD v1.1 dev": SHARED / "data" / "squad-v1.1-dev" / "dev-v1.1.rebuilt.json",
    "SQuAD v2.0 dev": SHARED / "data" / "squad-v2.0-dev" / "dev-v2.0.rebuilt.json",
}
ARTICLE_SET = SHARED / "eval" / "article_dev.jsonl"
PREDICTIONS = ROOT / "bench" / "predictions"
# Published systems' F1 on these dev questions (reading setting), as the issue that asked for
# this comparison scored their predictions with the official metric; not measured here.
PUBLISHED = {
    "SQuAD v1.1 dev": [("Logistic regression baseline", 51.0), ("Match-LSTM (ensemble)", 76.8),
                       ("r-net+", 88.5), ("BERT (ensemble)", 92.2)],
    "SQuAD v2.0 dev": [("BiDAF + self-attention + ELMo", 67.9), ("nlnet", 78.8), ("BERT", 81.8)],
}


def squad(name: str, path: Path, cache: Path, limit: int | None, open_setting: bool,
          open_limit: int | None = None) -> dict:
    import qa
    from qa.apps.evaluation import evaluate_squad

    PREDICTIONS.mkdir(exist_ok=True)
    stem = path.stem.replace(".rebuilt", "")
    out = {"name": name, "file": path.name, "published_f1": PUBLISHED.get(name, [])}
    out["reading"] = evaluate_squad(path, limit=limit, reading=True,
                                    predictions=PREDICTIONS / f"{stem}-reading.json")["summary"]
    if open_setting:
        # English questions over English paragraphs never read the multilingual vectors
        # (qa.Index.dense); building them would add minutes for nothing.
        out["open"] = evaluate_squad(path, cache / f"{stem}-english", limit=open_limit or limit,
                                     predictions=PREDICTIONS / f"{stem}-open.json",
                                     settings=qa.Settings(multilingual=False))["summary"]
    return out


def article() -> dict:
    import qa
    from qa.apps.evaluation import evaluate_jsonl

    path = ARTICLE_SET if ARTICLE_SET.exists() else ROOT / "tests" / "data" / "article_dev.jsonl"
    index = qa.build_index(None, Path(__import__("tempfile").mkdtemp()) / "article", progress=False,
                           multilingual_pass="now")  # the Russian question is answered as a settled index does
    report = evaluate_jsonl(path, index)
    misses = [{"id": r["id"], "kind": r["kind"], "question": r["question"], "answer": r["answer"]}
              for r in report["results"] if not r["correct"]]
    return {"file": path.name, **report["summary"], "misses": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions of each SQuAD file")
    parser.add_argument("--cache", type=Path, default=ROOT / ".qa-eval", help="where the SQuAD indexes are kept")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "quality.json")
    parser.add_argument("--skip-open", action="store_true",
                        help="only the reading setting of SQuAD (the open figures already in --out are kept, marked)")
    parser.add_argument("--open-limit", type=int, help="only the first N questions in the open setting")
    args = parser.parse_args()
    missing = [str(p) for p in SQUAD.values() if not p.exists()]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: download the SQuAD dev sets from "
                         "https://rajpurkar.github.io/SQuAD-explorer/ into ../shared/data/")
    earlier = load(args.out) or {}
    results = {"machine": machine(), "article": article(),
               "squad": [squad(name, path, args.cache, args.limit, not args.skip_open, args.open_limit)
                         for name, path in SQUAD.items()]}
    if "note" in earlier:  # written by hand: what the figures mean beyond the numbers
        results = {"machine": results["machine"], "note": earlier["note"], **results}
    if args.skip_open:  # keep the open setting's figures of the earlier run, marked as such
        kept = {entry["name"]: entry["open"] for entry in earlier.get("squad", []) if "open" in entry}
        for entry in results["squad"]:
            if entry["name"] in kept:
                entry["open"] = {**kept[entry["name"]], "kept_from_an_earlier_run": True}
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    write_report(quality=results, speed=load(ROOT / "bench" / "results.json"))
    print(json.dumps({k: v for k, v in results.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()
