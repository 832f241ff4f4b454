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
# Exact versions the committed outputs were produced with (pyproject.toml keeps ranges for readers).
LOCK := constraints.txt
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	--nbval-cell-timeout=900

.PHONY: setup book test verdicts execute lint clean ledger lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[book,test]'
	touch $@

setup: $(VENV)/.installed

book: setup
	$(BIN)/jupyter-book build . -W -n --keep-going

# Unit tests and every notebook (nbval) at 2 threads, then the claim verdicts at 1 thread.
test: setup
	$(BIN)/python -m pytest tests notebooks $(NBVAL) --durations=15
	$(MAKE) verdicts

# Re-execute every notebook with one OpenMP thread: the claim lines (the only outputs nbval
# compares) must match the committed 2-thread outputs, i.e. every verdict is the same.
verdicts: setup
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest notebooks $(NBVAL) -p no:cacheprovider

# Refresh the lock from the current .venv (after changing pyproject.toml or upgrading on purpose);
# then re-execute the notebooks so their outputs match the locked versions.
lock: setup
	$(BIN)/python -m pip install --quiet --upgrade -e '.[book,test]'
	( echo "# Exact versions for make/CI; refresh with 'make lock', then re-execute the notebooks."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^vaebook' ) > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)

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
