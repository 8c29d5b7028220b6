# cltorch: the README's two commands are `make demo` and `make test`.
# Each sets up .venv (pyopencl, PoCL, NumPy, click, pytest) on its own first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.cltorch-installed

.PHONY: setup system-opencl demo test test-fast oclgrind wheel-check ops-doc bench ci clean

setup: $(STAMP) system-opencl

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Debian's PoCL is newer and faster than pip's, and pip's cannot compile on some
# recent CPUs; install it when we are root on a Debian/Ubuntu machine. Optional.
system-opencl:
	@tools/install_system_opencl.sh pocl-opencl-icd || true

demo: setup
	$(BIN)/cltorch demo

# Two or more worker processes (pytest-xdist): a cold run is dominated by PoCL building
# kernels, which is single-threaded per program, so workers halve it on 2 cores.
PYTEST_WORKERS ?= -n auto --maxprocesses=4

test: setup
	$(BIN)/python -m pytest -q $(PYTEST_WORKERS) tests

test-fast: setup
	$(BIN)/python -m pytest -q -x $(PYTEST_WORKERS) tests --ignore=tests/compat

# Run the smoke battery on oclgrind's simulated GPU, failing on any memory error or data race.
oclgrind: setup
	@tools/install_system_opencl.sh oclgrind || true
	$(BIN)/python tools/oclgrind_check.py

# Build the wheel, install it into a fresh venv and run the smoke battery from another folder.
wheel-check: setup
	$(BIN)/python tools/wheel_check.py

# Kernels and training loops against NumPy and PyTorch; rewrites docs/benchmarks.md.
bench: setup
	$(BIN)/python tools/bench.py

ops-doc: setup
	$(BIN)/python tools/gen_ops_doc.py

ci: test oclgrind wheel-check

clean:
	rm -rf $(VENV) build dist *.egg-info
