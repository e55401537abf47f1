"""Time to the first English answer, and the whole default build, against an earlier revision
(issue 29), in one run:

    python bench/first_answer.py [--paragraphs 2067] [--against 6cb8b71] [--out bench/first_answer.json]

On SQuAD v1.1 dev's paragraphs (evaluation data, only timed here), with every model loaded first:

- plain: ``SentenceTransformer.encode`` of the chunk texts the index embeds (title line and
  chunk, as ``qa.building.indexed_text`` gives them), all-MiniLM-L6-v2, batch 64: the floor;
- this tree: ``qa.build_index`` (default settings) to the first English answer (``Chatbot.ask``
  of the first question), then to the multilingual vectors swapped in (the whole build);
- ``--against``: the same default build of that revision (a git worktree made here, run in its
  own process), to its first English answer, which came only after its whole build.

Each is timed once (a whole build of 2,067 paragraphs is minutes); run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SQUAD = ROOT.parent / "shared" / "data" / "squad-v1.1-dev" / "dev-v1.1.rebuilt.json"

# Run in the other revision's tree: its default build, then its first answer.
_OLD = """
import json, sys, time
import qa
from qa.apps.evaluation import squad_documents
docs, questions = squad_documents(json.load(open(sys.argv[1])))
docs = docs[:int(sys.argv[2])]
qa.Chatbot(qa.build_index(docs[:3], sys.argv[3] + "/warm", progress=False)).ask(questions[0]["question"])
started = time.perf_counter()
index = qa.build_index(docs, sys.argv[3] + "/old", progress=False)
built = time.perf_counter() - started
qa.Chatbot(index).ask(questions[0]["question"])
print(json.dumps({"build_s": built, "first_answer_s": time.perf_counter() - started}))
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", type=Path, default=SQUAD)
    p.add_argument("--paragraphs", type=int, default=2067)
    p.add_argument("--against", default="", help="an earlier revision to time the same way (default: none)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "first_answer.json")
    args = p.parse_args(argv)

    from report import machine

    import qa
    from qa.apps.evaluation import squad_documents
    from qa.building import _split, indexed_text
    from qa.models.embedding import get_model

    docs, questions = squad_documents(json.loads(args.squad.read_text(encoding="utf-8")))
    docs = docs[:args.paragraphs]
    question = questions[0]["question"]
    tmp = Path(tempfile.mkdtemp())
    settings = qa.Settings()
    warm = qa.build_index(docs[:3], tmp / "warm", progress=False, multilingual_pass="now")  # every model loaded
    qa.Chatbot(warm).ask(question)

    _, chunks = _split(docs, settings)
    by_id = {d.id: d for d in docs}
    texts = [indexed_text(c, by_id[c.doc_id], settings)[0] for c in chunks]
    model = get_model(settings.model)
    started = time.perf_counter()
    model.encode(texts, batch_size=64, normalize_embeddings=True)
    plain_s = time.perf_counter() - started
    print(f"plain encode of {len(texts)} chunk texts: {plain_s:.1f}s", flush=True)

    started = time.perf_counter()
    index = qa.build_index(docs, tmp / "new", progress=False)
    built_s = time.perf_counter() - started
    answer = qa.Chatbot(index).ask(question)
    first_s = time.perf_counter() - started
    state_at_answer = index.multilingual_state
    index.wait_for_multilingual()
    full_s = time.perf_counter() - started
    print(f"this tree: English index {built_s:.1f}s, first answer {first_s:.1f}s ({state_at_answer}), "
          f"whole build {full_s:.1f}s", flush=True)
    report = {"machine": machine(), "paragraphs": len(docs), "chunks": len(chunks), "question": question,
              "plain_encode_s": round(plain_s, 1),
              "this_tree": {"english_index_s": round(built_s, 1), "first_answer_s": round(first_s, 1),
                            "multilingual_at_first_answer": state_at_answer, "answer": answer.short_answer,
                            "whole_build_s": round(full_s, 1),
                            "first_answer_to_plain_encode": round(first_s / plain_s, 3)}}

    if args.against:
        old = tmp / "old-tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.against],
                       check=True, capture_output=True)
        try:
            run = subprocess.run([sys.executable, "-c", _OLD, str(args.squad), str(len(docs)), str(tmp)],
                                 cwd=old, env={"PYTHONPATH": str(old), "PATH": "/usr/bin:/bin"},
                                 capture_output=True, text=True, check=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
        before = json.loads(run.stdout.strip().splitlines()[-1])
        report[args.against] = {k: round(v, 1) for k, v in before.items()}
        report["whole_build_to_before"] = round(full_s / before["build_s"], 3)
        report["first_answer_to_before"] = round(first_s / before["first_answer_s"], 3)
        print(f"{args.against}: {before}", flush=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
