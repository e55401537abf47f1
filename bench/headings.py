"""Paragraph retrieval on SQuAD with and without titles and headings in the indexed chunk text.

    python bench/headings.py [--squad ../shared/data/squad-v1.1-dev/dev-v1.1.rebuilt.json] [--limit N]

Every paragraph of the file is a document titled with its article's title; each question is
retrieved over all of them (the default hybrid retriever, no reader) and its paragraph's rank
gives R@1, R@5 and MRR@10. Both settings run in one process, on the same questions. The data
is SQuAD v1.1 dev (CC BY-SA 4.0, https://rajpurkar.github.io/SQuAD-explorer/); evaluation only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa import Settings, build_index  # noqa: E402
from qa.apps.evaluation import document_rank, retrieval_figures, squad_documents  # noqa: E402
from qa.pipeline.retrieval import Retriever  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "squad-v1.1-dev" / "dev-v1.1.rebuilt.json"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", type=Path, default=DEFAULT)
    p.add_argument("--limit", type=int, help="the first N questions only")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "headings.json")
    args = p.parse_args(argv)
    if not args.squad.is_file():
        print(f"{args.squad} is missing: get SQuAD v1.1 dev from https://rajpurkar.github.io/SQuAD-explorer/ "
              "and pass --squad", file=sys.stderr)
        return 2
    docs, questions = squad_documents(json.loads(args.squad.read_text(encoding="utf-8")))
    questions = [q for q in questions if not q["impossible"]][:args.limit]
    retriever = Retriever()
    results = {}
    for headings in (False, True):
        settings = Settings(headings_in_chunks=headings)
        started = time.perf_counter()
        index = build_index(docs, ROOT / ".qa-eval" / f"headings-{'on' if headings else 'off'}", settings=settings)
        built = time.perf_counter() - started
        ranks = [document_rank(index, retriever.retrieve(index, q["question"]).chunks, q["doc_id"]) for q in questions]
        results["with titles" if headings else "without"] = {**retrieval_figures(ranks), "build_s": round(built, 1)}
        print(headings, results, flush=True)
    report = {"file": args.squad.name, "paragraphs": len(docs), "questions": len(questions), "results": results}
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
