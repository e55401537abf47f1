"""How much the reader's margin ceiling saves, and what it changes, in one run.

    python bench/reading_order.py

``qa.ReaderAnswerer`` reads the best passage first, then only the passages whose retrieval
score could lift a span past its answer had the span the reader's ``margin_ceiling`` (chosen
on held-out train). This asks the bundled article's questions and 100 SQuAD v1.1 dev
questions over all of dev's paragraphs with the shipped ceiling and with none (every passage
within ``read_within`` read in one batch, as before the ceiling), the two alternating question
by question in one process, so that a noisy machine slows both alike, and taking turns at
going first; each question is asked ``RUNS`` times.
Writes bench/reading_order.json: ``ask`` p50 / p95 / mean, the passages read per question,
and the questions whose answer differs. Without ../shared/ the SQuAD rows are left out.
Where the CPU has native bf16, each is measured with the reader in bf16 and in fp32.
"""

from __future__ import annotations

import json
import math
import time

import numpy as np
from report import ROOT, machine
from speed import RUNS, SQUAD, article_questions, chatbot, reader_precisions, squad_index

OUT = ROOT / "bench" / "reading_order.json"


def compare(index, questions: list[str], precision: str) -> dict:
    bot = chatbot(index, precision)
    reader = bot.answerer.reader  # this comparison's own: it counts the passages it reads
    read: list[int] = []
    count = reader.read

    def counted(question, texts, leads=None, sentences=None):
        read.append(len(texts))
        return count(question, texts, leads, sentences)

    reader.read = counted
    return _compare(bot, questions, read, {"shipped": reader.margin_ceiling, "none": math.inf})


def _compare(bot, questions: list[str], read: list[int], settings: dict[str, float]) -> dict:
    reader = bot.answerer.reader
    bot.ask(questions[0])  # warm
    ms: dict[str, list[float]] = {name: [] for name in settings}
    passages: dict[str, list[int]] = {name: [] for name in settings}
    differ = set()
    for run in range(RUNS):
        for number, q in enumerate(questions):
            answers = []
            # Which goes first alternates: the second asking of a question finds its words cached.
            for name in sorted(settings, reverse=(run + number) % 2 == 1):
                reader.margin_ceiling = settings[name]
                read.clear()
                start = time.perf_counter()
                answer = bot.ask(q)
                ms[name].append((time.perf_counter() - start) * 1000)
                answers.append((answer.short_answer, answer.abstained))
                if run == 0:
                    passages[name].append(sum(read))
            if answers[0] != answers[1]:
                differ.add(q)
    return {"questions": len(questions), "asked_each": RUNS, "margin_ceiling": settings["shipped"],
            **{f"{name}_{key}": value for name in settings for key, value in (
                ("ask_ms_p50", float(np.percentile(ms[name], 50))), ("ask_ms_p95", float(np.percentile(ms[name], 95))),
                ("ask_ms_mean", float(np.mean(ms[name]))), ("passages_read_mean", float(np.mean(passages[name]))))},
            "answers_that_differ": sorted(differ)}


def main() -> None:
    import argparse
    import tempfile
    from pathlib import Path

    import qa

    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    results = {"machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        article = qa.build_index(None, Path(tmp) / "article", progress=False, multilingual_pass="now")
        squad = squad_index() if SQUAD.exists() else None
        for precision in reader_precisions():  # this CPU's, and fp32 too where that is bf16
            results[f"article, reader in {precision}"] = compare(article, article_questions(), precision)
            if squad is not None:
                results[f"SQuAD v1.1 dev paragraphs, reader in {precision}"] = compare(*squad, precision)
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
