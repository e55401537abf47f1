#!/usr/bin/env bash
# The reader, pairs (issue 26, session 26). reader-v5 (SQuAD's least-overlapping questions seen
# more) answered more only by declining more one-word changes: seen apart, "answer this" and
# "decline that" move one margin. Here each question with a word changed (nounswap, antonym,
# inswap, ...) is in the batch of the question it was made from (reworded by --paraphrases where
# it was), and a loss on the pair asks that the answered one's margin exceed the changed one's by
# 4 (--pair-weight 1 --pair-margin 4; train_reader.py's pair_loss). Otherwise reader-v4.sh, from
# the shipped weights, 1,800 steps like reader-v4 and reader-v5.
# Checkpointed every 10 minutes into training/runs/reader-v6; started again with the same
# arguments, it resumes:
#   mkdir -p training/runs/reader-v6 && nohup training/reader-v6.sh >> training/runs/reader-v6/train.log 2>&1 &
# Needs Debian's wordnet-base (.ci/run installs it). Pause it while timing anything (kill -STOP/-CONT).
cd "$(dirname "$0")/.."
exec nice -n 19 .venv/bin/python training/train_reader.py \
  --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json \
  --out training/runs/reader-v6 --export training/runs/reader-v6/reader.safetensors \
  --init qa/models/reader.safetensors --context lead --steps 1800 --lr 3e-5 --warmup 0.05 \
  --negatives 0.7 --topic-share 0.05 --inswap-share 0.1 --nounswap-share 0.4 --antonym-share 0.25 \
  --wordnet-antonyms 1 --paraphrases 0.3 --statements 4 --say-frames 1 \
  --occasions 4 --occasions-asked 4 --occasion-topic 0.5 --max-answer-tokens 48 \
  --pair-weight 1 --pair-margin 4 \
  --eval-every 900 --checkpoint-minutes 10 --threads 2 "$@"
