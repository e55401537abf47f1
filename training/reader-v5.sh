#!/usr/bin/env bash
# The reader, people's own paraphrases seen more (issue 26; prepared in session 24, not yet run).
# The shipped reader (reader-v4.sh) finds the span of a question worded unlike its sentence nearly
# as well as of one that echoes it, but declines most of them: its margin follows the words the two
# share. Here the quarter of SQuAD's questions worded least like their sentence is seen twice more
# (--low-overlap-repeat 2), with reader-v4's harder unanswerable kinds as their contrast, so the
# reader must tell a paraphrase (answer) from one changed word (decline) by meaning. Compare with
# the shipped reader by training/choose_threshold.py, training/compare_readers.py and the visible
# sets (BENCHMARKS.md, session 24). Checkpointed every 10 minutes into training/runs/reader-v5;
# started again with the same arguments, it resumes:
#   mkdir -p training/runs/reader-v5 && nohup training/reader-v5.sh >> training/runs/reader-v5/train.log 2>&1 &
# Needs Debian's wordnet-base. Pause it while timing anything (kill -STOP/-CONT).
cd "$(dirname "$0")/.."
exec nice -n 19 .venv/bin/python training/train_reader.py \
  --train ../shared/data/squad-v1.1-train/train-v1.1.rebuilt.json \
  --out training/runs/reader-v5 --export training/runs/reader-v5/reader.safetensors \
  --init qa/models/reader.safetensors --context lead --steps 1800 --lr 3e-5 --warmup 0.05 \
  --negatives 0.7 --topic-share 0.05 --inswap-share 0.1 --nounswap-share 0.4 --antonym-share 0.25 \
  --wordnet-antonyms 1 --paraphrases 0.3 --low-overlap-repeat 2 --statements 4 --say-frames 1 \
  --occasions 4 --occasions-asked 4 --occasion-topic 0.5 --max-answer-tokens 48 \
  --eval-every 900 --checkpoint-minutes 10 --threads 2 "$@"
