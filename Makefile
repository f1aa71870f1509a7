# Two commands do all set-up: `make demo` (main job) and `make test` (test suite).
PY := .venv/bin/python
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
	$(PY) -m black --check -l 100 labeleff projects tools configs tests

clean:
	rm -rf output datasets/demo
