# Two commands for a fresh machine: `make chat` and `make test`. Both create .venv and install
# what they need first. torch is pinned and installed before everything else: an unpinned
# torch pulls a multi-GB CUDA build.
VENV ?= .venv
PY := $(VENV)/bin/python
TORCH := torch==2.13.0

.PHONY: chat test lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(TORCH)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

chat: $(VENV)/.installed
	$(PY) ui.py

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/quality.py
	$(PY) bench/speed.py --profile

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .qa-eval
