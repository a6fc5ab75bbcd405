# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint setup clean golden coverage

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Khabar needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/khabar demo

test: $(STAMP)
	$(BIN)/ruff check crawler spiders pipelines tests benchmarks scripts
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check crawler spiders pipelines tests benchmarks scripts
	$(BIN)/mypy crawler spiders pipelines

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

golden: $(STAMP)
	$(BIN)/python scripts/regenerate_golden.py

coverage: $(STAMP)
	$(BIN)/khabar coverage

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
