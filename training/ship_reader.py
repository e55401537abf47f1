"""Ship a finished run's reader: its weights and record into ``qa/models/``.

    python training/ship_reader.py --run training/runs/reader-v2

Run it after ``choose_threshold.py`` chose the run's thresholds on every held-out question (it
refuses a record without them, or a run that has not reached its last step). The record is the
run's own, completed with what only the run's folder and git know:

- ``train_time``: the time trained, per stretch between resumes, from ``train.log`` (its
  ``windows/s`` is the rate since that resume, so a stretch's last line gives its time; up to 50
  steps after it, and the time before a stretch's first line, are not counted), beside the
  checkpoints' own count where they kept one (``train_seconds``);
- ``previous_version``: the provenance of the reader it replaces and the sha256 of its weights
  (a run started from the shipped file names that file in ``initialized_from``, which shipping
  overwrites: the sha256 finds those weights in git's history);
- ``hyperparameters.steps`` set to null where ``epochs`` set the run's length instead.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.store.storage import sha256_file  # noqa: E402

WINDOWS_PER_STEP = 32  # the run's batch: every step reads 32 windows

_STEP = re.compile(r"^step (\d+)/(\d+) .* ([\d.]+) windows/s$")
_RESUMED = re.compile(r"^resumed at step (\d+)")
# What the previous reader's record says of itself that its successor's record keeps.
_PROVENANCE = ("format", "base_model", "train_data_sha256", "hyperparameters", "steps_trained", "initialized_from",
               "training_history", "threshold", "threshold_open", "retrieval_weight", "read_within", "margin_ceiling",
               "held_out", "held_out_open", "held_out_reading")


def stretches(log: str) -> list[dict]:
    """The stretches of training ``log`` (a run's train.log) between resumes: the step each
    began at, the last step it logged and the seconds it took (from that line's rate since the
    stretch began). Steps trained again after a kill (from the last checkpoint) count again."""
    out: list[dict] = []
    start, fresh = 0, True  # a log that begins with the run itself: from step 0
    for line in log.splitlines():
        if (m := _RESUMED.match(line)) is not None:
            start, fresh = int(m.group(1)), True
        elif (m := _STEP.match(line)) is not None:
            step, rate = int(m.group(1)), float(m.group(3))
            if fresh:
                out.append({"from_step": start})
                fresh = False
            out[-1].update(to_step=step, seconds=round((step - start) * WINDOWS_PER_STEP / rate))
    return out


def train_time(log: str, record: dict) -> dict:
    """``train_time`` of the shipped record: the stretches, their sum, and the steps none covers."""
    parts = stretches(log)
    first = min((p["from_step"] for p in parts), default=record["steps_trained"])
    return {"stretches": parts, "logged_hours": round(sum(p["seconds"] for p in parts) / 3600, 2),
            "steps_logged": sum(p["to_step"] - p["from_step"] for p in parts),  # with those trained again
            "steps_not_logged": f"0-{first}: their log went with a lost checkpoint folder" if first else None,
            "checkpoints_kept": record.get("train_seconds") or None}


def ship(run: Path, to: Path) -> dict:
    """Copy ``run``'s exported reader to ``to`` (its .safetensors; the record beside it), the
    record completed; the record shipped.

    Raises:
        SystemExit: the run has not finished, or its thresholds were not chosen.
    """
    weights = run / "reader.safetensors"
    record = json.loads(weights.with_suffix(".json").read_text(encoding="utf-8"))
    hyper = record["hyperparameters"]
    log = (run / "train.log").read_text(encoding="utf-8")
    planned = max((int(m.group(2)) for line in log.splitlines() if (m := _STEP.match(line))), default=0)
    if record["steps_trained"] < planned:
        raise SystemExit(f"{weights} is from step {record['steps_trained']} of {planned}: the run has not finished")
    if "threshold_open" not in record or "held_out_reading" not in record:
        raise SystemExit(f"{weights} has no thresholds chosen: run training/choose_threshold.py --weights {weights}")
    previous = to.with_suffix(".json")
    if previous.exists():
        old = json.loads(previous.read_text(encoding="utf-8"))
        record["previous_version"] = {k: old[k] for k in _PROVENANCE if k in old}
        if to.exists():  # the weights it replaces, which a run started from to (initialized_from) was
            record["previous_version"]["weights_sha256"] = sha256_file(to)
    if hyper.get("epochs", 0) > 0:
        hyper["steps"] = None  # the run's length came from epochs
    record["train_time"] = train_time(log, record)
    shutil.copyfile(weights, to)
    to.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", type=Path, required=True, help="the run's folder (training/runs/<name>)")
    p.add_argument("--to", type=Path, default=ROOT / "qa" / "models" / "reader.safetensors")
    args = p.parse_args(argv)
    record = ship(args.run, args.to)
    print(f"shipped {args.run / 'reader.safetensors'} (step {record['steps_trained']}) to {args.to}; "
          f"{record['train_time']['logged_hours']} hours logged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
