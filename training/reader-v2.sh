#!/usr/bin/env bash
# The reader, second version (issue 26): one long run on the CPU, checkpointed every 10 minutes
# into training/runs/reader-v2 and resumed from there when started again with the same arguments:
#   mkdir -p training/runs/reader-v2 && nohup training/reader-v2.sh >> training/runs/reader-v2/train.log 2>&1 &
# Pause it while timing anything: kill -STOP / -CONT on its pid.
# The checkpoint folder is ignored by git and does not outlive the machine. At the end of a
# session, export it and commit the copy (int8 rows, 11 MB; its .json records the step):
#   training/reader-v2.sh --export training/reader-v2-partial.safetensors --export-now
# and when the folder is gone, go on from that copy at the step it records (arguments given
# here come after the ones below, and argparse keeps the last):
#   training/reader-v2.sh --init training/reader-v2-partial.safetensors --resume-step STEP
# (The run's last such copy, step 5,292, left the tree when the run finished; it is in git at
# 6423229.)
# The shipped reader is this run, finished (step 9,748), and --init below now names it: as run,
# this script goes on from it. To train the shipped reader again, start from the first reader,
# as the run did (its record's previous_version.weights_sha256):
#   git show 5c66a57:qa/models/reader.safetensors > training/reader-v1.safetensors
#   git show 5c66a57:qa/models/reader.json > training/reader-v1.json
#   training/reader-v2.sh --init training/reader-v1.safetensors
cd "$(dirname "$0")/.."
exec nice -n 19 .venv/bin/python training/train_reader.py \
  --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json \
  --out training/runs/reader-v2 --export training/runs/reader-v2/reader.safetensors \
  --init qa/models/reader.safetensors --context lead --epochs 2 --lr 5e-5 --warmup 0.03 \
  --negatives 0.5 --topic-share 0.1 --inswap-share 0.25 --statements 4 --say-frames 1 \
  --occasions 4 --occasions-asked 4 --occasion-topic 0.5 --max-answer-tokens 48 \
  --eval-every 500 --checkpoint-minutes 10 --threads 2 "$@"
