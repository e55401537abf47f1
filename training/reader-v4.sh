#!/usr/bin/env bash
# The reader, harder negatives as a large share (issue 26, session 24; shipped: BENCHMARKS.md). reader-v3.sh's arm taught
# nothing with nounswap and WordNet antonyms at 7% of its examples (about 2,000 seen in 1,500 steps;
# BENCHMARKS.md), so here they are most of the negatives tried: nounswap 0.4 and antonym 0.25 of
# the kinds drawn (inswap 0.1, topic 0.05, the rest 0.2), at a higher rate and a little longer;
# --paraphrases stays their contrast (SQuAD's questions reworded with synonyms, answered as before).
# Checkpointed every 10 minutes into training/runs/reader-v4; started again with the same
# arguments, it resumes:
#   mkdir -p training/runs/reader-v4 && nohup training/reader-v4.sh >> training/runs/reader-v4/train.log 2>&1 &
# Needs Debian's wordnet-base (.ci/run installs it). Pause it while timing anything (kill -STOP/-CONT).
cd "$(dirname "$0")/.."
exec nice -n 19 .venv/bin/python training/train_reader.py \
  --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json \
  --out training/runs/reader-v4 --export training/runs/reader-v4/reader.safetensors \
  --init qa/models/reader.safetensors --context lead --steps 1800 --lr 3e-5 --warmup 0.05 \
  --negatives 0.7 --topic-share 0.05 --inswap-share 0.1 --nounswap-share 0.4 --antonym-share 0.25 \
  --wordnet-antonyms 1 --paraphrases 0.3 --statements 4 --say-frames 1 \
  --occasions 4 --occasions-asked 4 --occasion-topic 0.5 --max-answer-tokens 48 \
  --eval-every 900 --checkpoint-minutes 10 --threads 2 "$@"
