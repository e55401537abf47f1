# Two commands for a fresh machine: `make chat` and `make test`. Both create .venv and install
# what they need first. torch is pinned and installed before everything else (the package index
# set up for this project serves its CPU build): an unpinned torch pulls a multi-GB CUDA build. Everything else is installed at the versions CI
# tested, locked in constraints.txt (`make lock` refreshes it); .ci/check_lock.py first checks that
# the lock still matches pyproject.toml.
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH := torch==2.13.0
LOCK := constraints.txt
LOCK_VENV ?= /tmp/articleqa-lock-venv

.PHONY: chat test lint bench lock clean

$(VENV)/.installed: pyproject.toml $(LOCK)
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) .ci/check_lock.py
	$(PY) -m pip install -q -c $(LOCK) $(TORCH)
	$(PY) -m pip install -q -c $(LOCK) -e '.[test]'
	touch $@

chat: $(VENV)/.installed
	$(PY) ui.py

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) -m pip install -q -c $(LOCK) -e '.[bench]'
	$(PY) bench/quality.py --open-limit 1000
	$(PY) bench/speed.py --profile

# Re-resolve every pin afresh (the newest versions pyproject.toml's ranges allow today) in a throwaway
# venv with all extras, and write them to constraints.txt; then run `make test` and commit both.
lock:
	rm -rf $(LOCK_VENV)
	python3 -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install -q --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install -q $(TORCH)
	$(LOCK_VENV)/bin/python -m pip install -q -e '.[ui,bench,milvus,test]'
	$(LOCK_VENV)/bin/python -m pip check
	$(LOCK_VENV)/bin/python .ci/lock.py $(LOCK)
	$(LOCK_VENV)/bin/python .ci/check_lock.py
	rm -rf $(LOCK_VENV)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .qa-eval
