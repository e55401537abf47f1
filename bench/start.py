"""The chat's start-up against an earlier revision, in one run: `python ui.py` of this tree and
of REV (a git worktree made here), alternating, each timed to a served page and to its first
/chat answer; once with the bundled article's index already built (its first, untimed start
builds it), once on a first start (no index: the article is indexed too).

    python bench/start.py [--against b07321a] [--runs 5]

Medians of --runs starts each. Pause anything else on the machine (a reader training) first.
Writes bench/start.json. Never run as a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import ROOT, machine
from speed import HEADLINE, _free_port, wait_for_page


def start(tree: Path, index: Path) -> tuple[float, float]:
    """Seconds from starting ``tree``'s ui.py to its page, and to the headline's answer."""
    from gradio_client import Client

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(tree / "ui.py"), "--port", str(port), "--index", str(index)],
                            cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_page(url, proc, f"{tree}/ui.py")
        page = time.perf_counter() - began
        answer = Client(url, verbose=False).predict(HEADLINE, api_name="/chat")
        if "[1]" not in answer:
            raise SystemExit(f"{tree}/ui.py did not answer with a citation: {answer!r}")
        return page, time.perf_counter() - began
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", default="b07321a", help="the revision to compare with")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="qa-start-") as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.against],
                       check=True, capture_output=True)
        trees = {args.against: old, "this tree": ROOT}
        results = {}
        try:
            for first_start in (False, True):
                times = {name: ([], []) for name in trees}
                for _ in range(args.runs):
                    for name, tree in trees.items():
                        index = Path(tmp) / f"index-{tree.name}"
                        if first_start or not index.exists():
                            shutil.rmtree(index, ignore_errors=True)
                        if not first_start and not index.exists():
                            start(tree, index)  # builds the index, untimed
                        page, answer = start(tree, index)
                        times[name][0].append(page)
                        times[name][1].append(answer)
                        print(f"{'first start' if first_start else 'index built'}, {name}: "
                              f"page {page:.2f} s, first answer {answer:.2f} s", flush=True)
                for name, (pages, answers) in times.items():
                    results[f"{'first start' if first_start else 'index built'}, {name}"] = {
                        "start_to_page_s": round(statistics.median(pages), 2),
                        "start_to_first_answer_s": round(statistics.median(answers), 2)}
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    out = {"machine": machine(), "runs": args.runs, "against": args.against, "results": results}
    (ROOT / "bench" / "start.json").write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
