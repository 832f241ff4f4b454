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
# nbval's per-cell limit is a guard against hangs, not the budget (tests/test_notebook_budgets.py
# checks that): chapter 5's training cell took 616 s to over 900 s on the same 2-core machine.
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
	--nbval-cell-timeout=1800

.PHONY: setup book book-student test verdicts browser serve colab-links colab-check execute lint clean ledger lock \
	assignments grade

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[book,test,cluster]'
	touch $@

setup: $(VENV)/.installed

book: setup
	$(BIN)/jupyter-book build . -W -n --keep-going

# The student edition: the same book with every exercise's solution left out (sphinx-exercise's
# hide_solutions), into _build/student/_build/html.
book-student: setup
	mkdir -p _build/student
	sed -e 's/^    hide_solutions: false.*/    hide_solutions: true/' \
	    -e 's|book_html: book/_ext|book_html: $(CURDIR)/book/_ext|' _config.yml > _build/student/_config.yml
	grep -q 'hide_solutions: true' _build/student/_config.yml
	$(BIN)/jupyter-book build . --config _build/student/_config.yml --path-output _build/student -W -n --keep-going

# Course assignments: write the student versions (nbgrader's preprocessors: no solutions, no hidden
# tests, outputs cleared) of notebooks/assignments/*.ipynb into notebooks/assignments/release/,
# the folder a teacher hands out. Grade one: make grade CH=1 NB=path/to/student.ipynb
assignments: setup
	$(BIN)/python -m vaebook.assignments

grade: setup
	$(BIN)/python -m vaebook.grade $(CH) $(NB)

# Unit tests, the book in a real browser, and every notebook (nbval) at 2 threads. The 1-thread
# verdict comparison (`make verdicts`) re-executes the whole book once more: run it before committing
# re-executed notebooks (on a slow 2-core CI machine both passes would not fit CI's 90 minutes).
test: setup browser
	$(BIN)/python -m pytest tests notebooks $(NBVAL) --durations=15

# Debian's chromium for the browser test (Playwright drives it; its own browser download is not
# used). Installed when missing and we may (root with apt-get); otherwise the test skips loudly.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "*** chromium is missing and cannot be installed here: the browser test will be SKIPPED." \
	         "Install Debian's chromium (apt-get install chromium) to enable it. ***"; \
	  fi; }

# Rewrite every notebook's Colab badge and install line from _config.yml (repository:).
colab-links: setup
	$(BIN)/python .ci/colab_links.py

# Simulate a Colab session: a clean virtual environment outside the repository, the package from a
# built wheel (not editable, so the shipped checkpoints must travel inside it), chapters 1 and 3
# executed in a fresh kernel.
COLAB_DIR ?= /tmp/vaebook-colab-check
colab-check: setup
	rm -rf $(COLAB_DIR) && mkdir -p $(COLAB_DIR)/dist
	$(BIN)/python -m pip wheel --quiet --no-deps -w $(COLAB_DIR)/dist .
	$(PYTHON) -m venv $(COLAB_DIR)/venv
	$(COLAB_DIR)/venv/bin/python -m pip install --quiet -c $(LOCK) $(COLAB_DIR)/dist/vaebook-*.whl \
		nbconvert ipykernel
	cp notebooks/01_vanilla_vae.ipynb notebooks/03_local_decoders.ipynb $(COLAB_DIR)/
	cd $(COLAB_DIR) && for nb in 01_vanilla_vae.ipynb 03_local_decoders.ipynb; do \
		venv/bin/jupyter nbconvert --to notebook --execute --output executed_$$nb \
			--ExecutePreprocessor.timeout=1800 $$nb || exit 1; done
	@echo "colab-check: chapters 1 and 3 ran from the wheel in a clean environment"

# Read the built book locally: http://127.0.0.1:8000
serve:
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory _build/html

# Re-execute every notebook with one OpenMP thread: the claim lines (the only outputs nbval
# compares) must match the committed 2-thread outputs, i.e. every verdict is the same.
verdicts: setup
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest notebooks $(NBVAL) -p no:cacheprovider

# Refresh the lock from the current .venv (after changing pyproject.toml or upgrading on purpose);
# then re-execute the notebooks so their outputs match the locked versions.
lock: setup
	$(BIN)/python -m pip install --quiet --upgrade -e '.[book,test,cluster]'
	( echo "# Exact versions for make/CI; refresh with 'make lock', then re-execute the notebooks."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^vaebook' ) > $(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)

# Re-execute notebooks in place, keeping per-cell timing metadata, then benchmark this machine and
# record its speed in the notebook (the budget test converts the time to the reference machine):
# make execute NB=notebooks/01_vanilla_vae.ipynb
execute: setup
	@for nb in $(NB); do \
		echo "executing $$nb"; \
		$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.timeout=1800 --ExecutePreprocessor.kernel_name=python3 "$$nb" || exit 1; \
		$(BIN)/python tests/notebook_times.py --calibrate "$$nb"; \
	done

lint: setup
	$(BIN)/ruff check src tests conftest.py

clean:
	rm -rf _build

# Regenerate the claims ledger, the intro's table of verdicts and the execution-times pages from
# the committed notebooks.
ledger: setup
	$(BIN)/python -m vaebook.claims --intro book/intro.md book/claims_ledger.md notebooks/*.ipynb
	$(BIN)/python tests/notebook_times.py --page notebooks/*.ipynb
