"""Questions about news articles as a user asks them: each article indexed alone, each question on
a fresh conversation (``../shared/eval/news/``, and the bundled article's ``article_dev.jsonl``).

    python bench/news.py [--out bench/news.json] [--context named]

Scored as ``qa eval`` scores a question file (``qa.apps.evaluation.ask_rows``): an answerable question
is answered right when the bot does not decline and its answer (the short answer with the quoted
sentence) holds one of ``answer_contains``; ``near_miss`` and ``out_of_scope`` questions must be
declined. Evaluation only: nothing is chosen on these.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qa  # noqa: E402
from qa.apps.evaluation import ask_rows, summarize_rows  # noqa: E402
from qa.ingest.context import FORMATS  # noqa: E402

NEWS = ROOT.parent / "shared" / "eval" / "news"
ARTICLE_SET = ROOT.parent / "shared" / "eval" / "article_dev.jsonl"


def load_sets(news: Path = NEWS, article_set: Path = ARTICLE_SET) -> dict[str, list[dict]]:
    """Questions by the article they are about (a path; None: the bundled article)."""
    sets: dict[str, list[dict]] = defaultdict(list)
    if (news / "questions.jsonl").exists():
        for line in (news / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                q = json.loads(line)
                sets[str(news / "articles" / q["article"])].append(q)
    path = article_set if article_set.exists() else ROOT / "tests" / "data" / "article_dev.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            sets["bundled"].append(json.loads(line))
    return sets


def ask_all(sets: dict[str, list[dict]], reader: qa.Reader | None = None, work: Path | None = None) -> list[dict]:
    """Each question asked of its article indexed alone, on a fresh conversation (its own
    ``history`` only); one ``qa.apps.evaluation.ask_rows`` result a question, with its set."""
    answerer = qa.ReaderAnswerer(reader) if reader else None
    results = []
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        for n, (article, questions) in enumerate(sets.items()):
            index = qa.build_index(None if article == "bundled" else [article], Path(tmp) / str(n), progress=False)
            rows = ask_rows(questions, qa.Chatbot(index, answerer=answerer))
            results += [{**r, "set": "article" if article == "bundled" else "news"} for r in rows]
    return results


def summarize(results: list[dict]) -> dict:
    """``qa.apps.evaluation.summarize_rows`` for the news set, the article set, and both."""
    return {name: summarize_rows([r for r in results if name == "all" or r["set"] == name])
            for name in ("news", "article", "all")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "news.json")
    p.add_argument("--context", choices=FORMATS, help="read with this context (default: the reader's own)")
    p.add_argument("--weights", type=Path, default=None, help="reader weights (default: the shipped ones)")
    args = p.parse_args(argv)
    reader = None
    if args.context or args.weights:
        reader = qa.Reader(args.weights or qa.models.reading.WEIGHTS, context=args.context)
    rows = ask_all(load_sets(), reader)
    summary = summarize(rows)
    args.out.write_text(json.dumps({"summary": summary, "questions": rows}, indent=1) + "\n", encoding="utf-8")
    for r in rows:
        outcome = "declined" if r["abstained"] else repr(r["short_answer"])
        print(f"{'ok ' if r['correct'] else 'BAD'} {r['id']} {r['kind']}: {r['question']} -> {outcome}")
    print(json.dumps({k: {m: v[m] for m in ("answer_correct", "wrongly_declined", "declined_out_of_scope")}
                      for k, v in summary.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
