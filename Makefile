# AICC Cloud: `make run` serves the portal with its background jobs, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck migrate demo schema lambda-zip clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changed.
$(STAMP): $(PY) requirements/base.txt requirements/local.txt requirements/constraints.txt
	$(PY) -m pip install --quiet -r requirements/local.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput -v 0

demo: migrate
	$(PY) manage.py load_demo

run: demo
	PORT=$(PORT) $(PY) scripts/run_portal.py

# Two workers (pytest-xdist): about half the wall time on two cores; each worker loads the
# Korean analyser, so more workers cost memory. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: install
	$(PY) -m pytest -n $(TEST_WORKERS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy apps aicc

schema: install
	$(PY) manage.py spectacular --file schema.yml --validate --fail-on-warn

# The Lex code-hook Lambda: one file, stdlib + boto3 (in the Lambda runtime), packed as
# lambda_handler.py so the handler is lambda_handler.handler. Upload var/lambda.zip
# (docs/operations.md). The source lives with the other boto3 code in apps/integrations/aws/.
lambda-zip:
	mkdir -p var
	rm -f var/lambda.zip
	$(PYTHON) -c "import zipfile; zipfile.ZipFile('var/lambda.zip', 'w').write('apps/integrations/aws/lex_code_hook.py', 'lambda_handler.py')"
	$(PYTHON) -m zipfile -l var/lambda.zip

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* var staticfiles
