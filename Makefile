# `make demo` and `make test` are the whole set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
DEMO_STAMP := $(VENV)/.installed-demo
DOCS_STAMP := $(VENV)/.installed-docs

.PHONY: demo test lint typecheck typecheck-examples pytest typecheck-tests bench bench-gpu docs gallery clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# the demo installs only what it runs (no PyTorch); the tests add the rest (the `dev` extra)
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[demo]'
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(DEMO_STAMP)

# the site's tools have a stamp of their own: `make test` never needs them
$(DOCS_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[docs]'
	touch $@

demo: $(DEMO_STAMP)
	$(BIN)/python examples/digits_mlp.py
	$(BIN)/python examples/digits_cnn.py
	$(BIN)/python examples/shape_errors.py

test: $(STAMP) lint typecheck typecheck-examples pytest typecheck-tests

lint: $(STAMP)
	$(BIN)/ruff check src tests typecheck_tests examples benchmarks docs

typecheck: $(STAMP)
	$(BIN)/mypy --strict src/

# the examples are checked with the plugin (pyproject's [tool.mypy]), as users would check them
typecheck-examples: $(STAMP)
	$(BIN)/mypy --strict examples/

pytest: $(STAMP)
	$(BIN)/python -m pytest src tests

typecheck-tests: $(STAMP)
	$(BIN)/python -m typecheck_tests

# the site in site/, from docs/ and the docstrings; --strict: any broken link or reference fails
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# docs/errors.md, the error gallery, written again from docs/gallery/cases.toml (each program
# type-checked and run); tests/test_gallery.py and `make docs` fail while it is out of date
gallery: $(STAMP)
	$(BIN)/python docs/gallery/gallery.py

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# shapedl on sd.Cuda() against PyTorch on CUDA; where there is no GPU it says so and exits 0
bench-gpu: $(STAMP)
	$(BIN)/python -m benchmarks.gpu

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache site
