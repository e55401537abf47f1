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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qa  # noqa: E402
from qa.apps.evaluation import ask_rows, evaluate_news, summarize_rows  # noqa: E402
from qa.ingest.context import FORMATS  # noqa: E402

NEWS = ROOT.parent / "shared" / "eval" / "news"
ARTICLE_SET = ROOT.parent / "shared" / "eval" / "article_dev.jsonl"


def ask_all(reader: qa.Reader | None = None) -> list[dict]:
    """The news set and the bundled article's set, each question on a fresh conversation, each
    article indexed alone; one ``qa.apps.evaluation.ask_rows`` result a question, with its set."""
    answerer = qa.ReaderAnswerer(reader) if reader else None
    news = NEWS if NEWS.exists() else ROOT / "tests" / "data" / "news"
    results = [{**r, "set": "news"} for r in evaluate_news(news, answerer=answerer)]
    article_set = ARTICLE_SET if ARTICLE_SET.exists() else ROOT / "tests" / "data" / "article_dev.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        bot = qa.Chatbot(qa.build_index(None, Path(tmp) / "article", progress=False, multilingual_pass="now"),
                         answerer=answerer)
        results += [{**r, "set": "article"} for r in ask_rows([json.loads(line) for line in
                                                               article_set.read_text(encoding="utf-8").splitlines()
                                                               if line.strip()], bot)]
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
    rows = ask_all(reader)
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
