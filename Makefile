# Two commands do all the set-up on a fresh machine:  `make brief`  and  `make test`.
# Both create .venv and install digest (with its test extras) into it on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: brief test lint clean tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

brief: $(STAMP)
	$(BIN)/digest brief

test: $(STAMP) tools
	$(BIN)/python -m pytest -q

# The tests read PDFs back with poppler's pdftotext and pdfinfo: installed on first use
# where make runs as root with apt-get (a fresh machine of this project's kind).
tools:
	@command -v pdftotext >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing poppler-utils (pdftotext, pdfinfo) for the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; \
	  else \
	    echo "make test needs pdftotext and pdfinfo: apt-get install poppler-utils" >&2; exit 1; \
	  fi; }

lint: $(STAMP)
	$(BIN)/ruff check digest tests benchmarks
	$(BIN)/ruff format --check digest tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out/*.pdf out/*.html out/*.txt out/*.json out/*.eml out/feed.xml
