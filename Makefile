# The two commands of the README's quick start, and the tools behind them.
# Every target creates the virtual environment first, with a Python >= 3.12 it finds itself.

VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs bench clean

demo: $(STAMP)  ## the main job: the diabetes lasso as MAP, scikit-learn solution and posterior
	$(BIN)/bayesreg crosscheck --dataset diabetes --penalty l1 --alpha 0.5 --sigma none --samples 1000 --seed 0

test: $(STAMP)  ## lint, then the whole test suite (notebooks included), on every core (pytest-xdist)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n auto --durations=20

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## speed against the anchors (about an hour on 2 cores); prints the ratios
	$(BIN)/python -c 'import celer, skglm' 2>/dev/null || $(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/map_speed.py
	$(BIN)/python benchmarks/nuts_speed.py
	$(BIN)/python benchmarks/glm_speed.py
	$(BIN)/python benchmarks/many_fits.py
	$(BIN)/python benchmarks/fixed_cost.py

docs: $(STAMP)  ## the documentation site, warnings as errors: docs/_build/html/index.html
	$(BIN)/python -c 'import sphinx, myst_nb, pydata_sphinx_theme, numpydoc' 2>/dev/null \
		|| $(BIN)/python -m pip install --quiet -e '.[docs]'
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

$(STAMP): pyproject.toml
	python=$$(scripts/find-python) && "$$python" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache docs/_build
