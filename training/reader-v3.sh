#!/usr/bin/env bash
# The reader, a harder-negatives arm (issue 26; run in session 23 for 1,500 steps and not taken:
# BENCHMARKS.md): the shipped reader trained further with the
# unanswerable questions SQuAD 2.0's writers made most and our data made least: common nouns
# swapped for another of the paragraph's of the same kind (nounswap) and WordNet's antonyms
# (antonym); beside them, as their contrast, SQuAD's questions with words swapped for a synonym
# and answered as before (--paraphrases: the thing asked about the same, only its name). Checkpointed
# every 10 minutes into training/runs/reader-v3; started again with the same arguments, it resumes:
#   mkdir -p training/runs/reader-v3 && nohup training/reader-v3.sh >> training/runs/reader-v3/train.log 2>&1 &
# Needs Debian's wordnet-base (.ci/run installs it). Pause it while timing anything (kill -STOP/-CONT).
cd "$(dirname "$0")/.."
exec nice -n 19 .venv/bin/python training/train_reader.py \
  --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json \
  --out training/runs/reader-v3 --export training/runs/reader-v3/reader.safetensors \
  --init qa/models/reader.safetensors --context lead --steps 1500 --lr 2e-5 --warmup 0.05 \
  --negatives 0.7 --topic-share 0.1 --inswap-share 0.2 --nounswap-share 0.25 --antonym-share 0.15 \
  --wordnet-antonyms 1 --paraphrases 0.3 --statements 4 --say-frames 1 \
  --occasions 4 --occasions-asked 4 --occasion-topic 0.5 --max-answer-tokens 48 \
  --eval-every 750 --checkpoint-minutes 10 --threads 2 "$@"
