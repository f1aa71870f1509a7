# Two commands do all set-up: `make demo` (main job) and `make test` (test suite).
PY := .venv/bin/python
LINT_PATHS := labeleff projects tools configs tests
export OMP_NUM_THREADS ?= 2

.PHONY: setup demo test test-slow test-all lint clean
setup:
	bash scripts/setup_env.sh

demo: setup
	$(PY) tools/demo.py

test: setup
	$(PY) -m pytest -q tests

test-slow: setup
	$(PY) -m pytest -q -m slow tests

test-all: setup
	$(PY) -m pytest -q -m "slow or not slow" tests

lint: setup
	$(PY) -m black --check -q -l 100 $(LINT_PATHS)
	$(PY) -m isort --check-only -q $(LINT_PATHS)
	$(PY) -m flake8 $(LINT_PATHS)

clean:
	rm -rf output datasets/demo
