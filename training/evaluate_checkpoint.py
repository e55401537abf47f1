"""Evaluate a reader run from its last checkpoint, as the product would read with it.

    python training/evaluate_checkpoint.py [--limit 500] -- \
        --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json --out training/runs/reader-v2 \
        --context lead --max-answer-tokens 48 ...   (the run's own arguments, as in training/reader-v2.sh)

Takes the run's arguments after ``--`` (they say where its checkpoint is and how it reads), and:

1. exports the checkpoint's weights as the product ships them, into ``<out>/step-<N>/``;
2. chooses their no-answer thresholds on the run's held-out train articles
   (``choose_threshold.py``: every held-out question against its own paragraph; a seeded sample
   of ``--limit`` over retrieved passages), the only choice made;
3. asks the visible sets as a user does, to watch, never to choose: the news set (each article
   indexed alone), the bundled article's set and ``bench/said_about.py``'s topics.

Appends the figures, with the step, to ``<out>/evaluations.jsonl``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

import torch
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import choose_threshold  # noqa: E402
import train_reader  # noqa: E402

import qa  # noqa: E402
from qa.apps.evaluation import ask_rows, evaluate_news, summarize_rows  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"


def export_checkpoint(run: argparse.Namespace) -> tuple[Path, int]:
    """The run's last checkpoint as shipped weights and their record; and its step."""
    folder = run.out / "checkpoint"
    state = json.loads((folder / "state.json").read_text())
    model = train_reader.start_model(None)
    model.load_state_dict(load_file(str(folder / "model.safetensors")), strict=False)
    hyper = train_reader.hyper_of(run)
    logged = [e for e in state["log"] if "with_unanswerable" in e]
    articles = len(json.loads(run.train.read_text(encoding="utf-8"))["data"])
    record = {**train_reader.provenance(run, hyper, state["step"], state["log"], state.get("rewarm_from")),
              "articles_used": min(run.articles, articles) if run.articles else articles,
              "train_seconds": state.get("train_seconds", {}),  # over the resumes whose checkpoints kept it
              # until choose_threshold chooses it: the last held-out evaluation's
              "threshold": logged[-1]["with_unanswerable"]["threshold"] if logged else 0.0}
    weights = run.out / f"step-{state['step']}" / "reader.safetensors"
    with torch.no_grad():
        train_reader.export(model, weights, record)
    return weights, state["step"]


def visible_sets(reader: qa.Reader) -> dict:
    """The news set, the article set and the said-about topics, asked with ``reader``."""
    answerer = qa.ReaderAnswerer(reader)
    news = SHARED / "news" if (SHARED / "news").exists() else ROOT / "tests" / "data" / "news"
    article_set = SHARED / "article_dev.jsonl"
    article_set = article_set if article_set.exists() else ROOT / "tests" / "data" / "article_dev.jsonl"
    spec = importlib.util.spec_from_file_location("said_about", ROOT / "bench" / "said_about.py")
    said = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(said)
    with tempfile.TemporaryDirectory() as tmp:
        bot = qa.Chatbot(qa.build_index(None, Path(tmp) / "article", progress=False), answerer=answerer)
        questions = [json.loads(line) for line in article_set.read_text(encoding="utf-8").splitlines() if line.strip()]
        article = summarize_rows(ask_rows(questions, bot))
        _, said_about = said.said_about(bot)
    return {"news": summarize_rows(evaluate_news(news, answerer=answerer)), "article": article,
            "said_about": said_about}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--limit", type=int, default=500, help="held-out questions sampled for the open setting")
    p.add_argument("--held-out-only", action="store_true", help="leave out the visible sets (a quick check)")
    p.add_argument("run", nargs=argparse.REMAINDER, help="-- and the run's own arguments")
    args = p.parse_args(argv)
    run = train_reader.parser().parse_args([a for a in args.run if a != "--"])
    weights, step = export_checkpoint(run)
    choose_threshold.main(["--train", str(run.train), "--weights", str(weights), "--limit", str(args.limit),
                           "--wordnet", str(run.wordnet)])
    record = json.loads(weights.with_suffix(".json").read_text(encoding="utf-8"))
    figures = {"step": step, "weights": str(weights),
               "held_out_open": record["held_out_open"], "held_out_reading": record["held_out_reading"],
               **({} if args.held_out_only else visible_sets(qa.Reader(weights)))}
    with (run.out / "evaluations.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(figures) + "\n")
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
