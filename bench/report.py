"""BENCHMARKS.md from the benchmarks' JSON files (bench/results.json, bench/quality.json).

    python bench/report.py      # rewrite BENCHMARKS.md without measuring anything
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    from qa.models.reading import native_precision  # the reader's here: timings differ by 1.6x

    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "reader": native_precision()}


def load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def table(rows: list[dict]) -> str:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(keys) + " |", "|" + " --- |" * len(keys)]
    lines += ["| " + " | ".join(_fmt(r.get(k, "")) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def _machine_line(m: dict) -> str:
    reader = f", the reader in {m['reader']} where a row names no other precision" if "reader" in m else ""
    return f"{m['cores']} cores, {m['cpu']}, Python {m['python']}{reader}"


def _at(margin: float | None) -> str:
    return "declining every question" if margin is None else f"margin {margin:.2f}"


def quality_section(q: dict) -> list[str]:
    a = q["article"]
    parts = [f"### Quality (`python bench/quality.py`; {_machine_line(q['machine'])})\n",
             "#### The reader, SQuAD's official EM/F1 (predictions files in bench/predictions/)\n",
             "*reading*: each question answered from its own paragraph (the standard task); *open*: every "
             "paragraph indexed and each question answered over all of them. v1.1 has no unanswerable "
             "questions and is scored as v1.1 systems are (always the best span); on v2.0 the bot declines "
             "at a threshold chosen on held-out train (over retrieved passages in the open setting, as in use; "
             "against the question's own paragraph in the reading setting).\n"]
    if q.get("note"):
        parts.append(q["note"] + "\n")
    rows = []
    for s in q["squad"]:
        for setting in ("reading", "open"):
            r = s.get(setting)
            if r:
                label = f"{setting} (an earlier run)" if r.get("kept_from_an_earlier_run") else setting
                rows.append({"set": s["name"], "setting": label, "questions": r["questions"], "EM": r["exact"],
                             "F1": r["f1"], "HasAns F1": r.get("HasAns_f1", ""),
                             "NoAns acc.": r.get("NoAns_exact", ""), "R@1": r.get("R@1", ""), "R@5": r.get("R@5", ""),
                             "MRR@10": r.get("MRR@10", ""), "answer contains gold": r.get("answer_contains_gold", ""),
                             "ms p50": r["ms_p50"]})
    parts += [table(rows), ""]
    for s in q["squad"]:
        r = s.get("reading") or {}
        if "best_f1" in r:
            parts.append(f"{s['name']}, reading, at the threshold best on the file itself (the official v2.0 script's "
                         f"best_exact/best_f1, each at its own threshold: chosen on dev, so a ceiling for these spans, "
                         f"never a threshold the bot uses): EM {r['best_exact']:.2f} at {_at(r['best_exact_margin'])}, "
                         f"F1 {r['best_f1']:.2f} at {_at(r['best_f1_margin'])}; against F1 {r['f1']:.2f} at the "
                         f"reader's own threshold, chosen on held-out train.\n")
    for s in q["squad"]:
        if s.get("published_f1"):
            ours = s["reading"]["f1"]
            parts.append(f"{s['name']}, reading F1 beside published systems (their F1 as the issue scored their "
                         f"predictions with the official metric; not measured here): articleqa {ours:.1f}; "
                         + "; ".join(f"{n} {f:.1f}" for n, f in s["published_f1"]) + ".\n")
    parts += [f"#### The article set ({a['file']}, {a['questions']} questions)\n",
              table([{k: v for k, v in a.items() if k not in ("per_kind", "misses", "file", "questions")}]), "",
              "Per kind (share correct): " + ", ".join(f"{k} {v:.2f}" for k, v in a["per_kind"].items()) + ".",
              ""]
    for miss in a["misses"]:
        parts.append(f"- missed [{miss['kind']}] {miss['question']!r}: {miss['answer'][:140]!r}")
    return [*parts, ""]


def speed_section(s: dict) -> list[str]:
    parts = [f"### Speed and memory (`python bench/speed.py`; {_machine_line(s['machine'])}). Every timing is "
             f"a median of at least {s['runs_per_timing']} runs; every comparison was measured in the same run.\n"]

    def heading(part: str, title: str) -> str:  # a part run on another machine (``--only`` another time) says so
        other = s.get("part_machines", {}).get(part)
        return f"#### {title}" + (f" (measured on {_machine_line(other)})" if other and other != s["machine"] else "")

    if s.get("latency"):
        parts += [heading("latency", "Latency after load (ms)") + "\n",
                  table([{"corpus": name, **row} for name, row in s["latency"].items()]), ""]
    if s.get("cold_start"):
        parts += [heading("cold_start", "Cold start and memory: `qa ask` vs import + load model + encode one sentence")
                  + "\n", table([s["cold_start"]]), ""]
    if s.get("ui"):
        parts += [heading("ui", "The running chat (`python ui.py`, /chat through gradio_client)") + "\n",
                  table([s["ui"]]), ""]
    if s.get("build"):
        parts += [heading("build", "Index build throughput vs plain `SentenceTransformer.encode` of the same texts")
                  + "\n", table([s["build"]]), ""]
    if s.get("scale"):
        parts += [heading("scale", "Scale: exact (flat) vs HNSW on synthetic normalized 384-d vectors") + "\n",
                  table([{k: v for k, v in row.items() if k != "ef_search"} for row in s["scale"]]), ""]
        sweeps = [{"data": row["data"], "n": row["n"], **ef} for row in s["scale"] for ef in row.get("ef_search", [])]
        if sweeps:
            parts += ["HNSW efSearch against recall@10 and latency (build times are single runs):\n",
                      table(sweeps), ""]
    return parts


def write_report(quality: dict | None = None, speed: dict | None = None) -> None:
    quality = quality or load(ROOT / "bench" / "quality.json")
    speed = speed or load(ROOT / "bench" / "results.json")
    parts = []
    if quality:
        parts += quality_section(quality)
    if speed:
        parts += speed_section(speed)
    head = (ROOT / "bench" / "BENCHMARKS.head.md").read_text()
    (ROOT / "BENCHMARKS.md").write_text(head + "\n## Measured\n\n" + "\n".join(parts).rstrip() + "\n")


if __name__ == "__main__":
    write_report()
