#!/usr/bin/env bash
# The reader, pairs (issue 26, session 26; run, not shipped: BENCHMARKS.md). reader-v5 (SQuAD's least-overlapping questions seen
# more) answered more only by declining more one-word changes: seen apart, "answer this" and
# "decline that" move one margin. Here each question with a word changed (nounswap, antonym,
# inswap, ...) is in the batch of the question it was made from (reworded by --paraphrases where
# it was), and a loss on the pair asks that the answered one's margin exceed the changed one's by
# 4 (--pair-weight 1 --pair-margin 4; train_reader.py's pair_loss). Otherwise reader-v4.sh, from
# the shipped weights (reader-v4's when it ran), 1,800 steps like reader-v4 and reader-v5.
# Checkpointed every 10 minutes into training/runs/reader-v6; started again with the same
# arguments, it resumes:
#   mkdir -p training/runs/reader-v6 && nohup training/reader-v6.sh >> training/runs/reader-v6/train.log 2>&1 &
# Needs Debian's wordnet-base (.ci/run installs it). Pause it while timing anything (kill -STOP/-CONT).
cd "$(dirname "$0")/.."
exec training/reader-v4.sh --out training/runs/reader-v6 --export training/runs/reader-v6/reader.safetensors \
  --pair-weight 1 --pair-margin 4 "$@"
