# The book's two commands: `make book` builds the HTML, `make test` runs every check.
# Both create the virtual environment .venv and install the package when needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# Pin OpenMP threads: unpinned threads ran 20-300x slower on shared 2-core machines.
export OMP_NUM_THREADS ?= 2
export MKL_NUM_THREADS ?= $(OMP_NUM_THREADS)
export OMP_WAIT_POLICY ?= PASSIVE
# No progress bars in executed (committed or CI) notebooks.
export VAEBOOK_NO_PROGRESS ?= 1

NB ?= $(wildcard notebooks/*.ipynb)

.PHONY: setup book test execute lint clean ledger

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[book,test]'
	touch $@

setup: $(VENV)/.installed

book: setup
	$(BIN)/jupyter-book build . -W -n --keep-going

test: setup
	$(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=900 \
		--durations=15

# Re-execute notebooks in place, keeping per-cell timing metadata: make execute NB=notebooks/01_vanilla_vae.ipynb
execute: setup
	@for nb in $(NB); do \
		echo "executing $$nb"; \
		$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.timeout=1800 --ExecutePreprocessor.kernel_name=python3 "$$nb" || exit 1; \
		$(BIN)/python tests/notebook_times.py "$$nb"; \
	done

lint: setup
	$(BIN)/ruff check src tests

clean:
	rm -rf _build

# Regenerate the claims ledger page from the committed notebooks' outputs.
ledger: setup
	$(BIN)/python -m vaebook.claims book/claims_ledger.md notebooks/*.ipynb
