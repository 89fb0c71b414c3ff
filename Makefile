# Two commands: `make demo` and `make test`. Each creates .venv when missing and installs what it needs.
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
# Compile every installed module to bytecode once, at install: the command line must start at
# once (issue 10) even where PYTHONDONTWRITEBYTECODE keeps Python from caching it on first use.
export UV_COMPILE_BYTECODE := 1

.PHONY: demo test soak lint bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv>=0.5"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --extra platform --python $(PYTHON)
	$(VENV)/bin/python -m compileall -q src
	touch $@

# The demo needs no test tools (pytest, playwright …): only zongheng and what it imports.
# --inexact keeps what a `make test` installed before.
$(VENV)/.demo: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --inexact --python $(PYTHON)
	$(VENV)/bin/python -m compileall -q src
	touch $@

$(VENV)/.bench: $(VENV)/.installed
	$(UV) sync --frozen --extra dev --extra platform --extra bench --python $(PYTHON)
	touch $@

uv.lock: pyproject.toml | $(UV)
	$(UV) lock --python $(PYTHON)

demo: $(VENV)/.demo
	$(VENV)/bin/zongheng demo

test: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/python -m pytest

# The long proofs of issue 15 (load on a deadline day, faults): minutes, not seconds.
soak: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -m soak

bench: $(VENV)/.bench
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf $(VENV) .tools .pytest_cache
