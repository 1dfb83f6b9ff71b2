# Everything a new machine needs, from nothing: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BUILD := .build
COLLECTIONS := $(BUILD)/collections
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup collection demo test unit integration server clean

$(BIN)/.installed: requirements-dev.txt requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed

# Build the tarball and install it, as users do, into a private collections path.
collection: setup
	rm -rf $(BUILD)/dist $(COLLECTIONS)
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist .
	$(BIN)/ansible-galaxy collection install --force -p $(COLLECTIONS) $(BUILD)/dist/seed-openai-*.tar.gz

# The main job: the demo playbook against the local Assistants-compatible server.
demo: collection
	$(BIN)/python tools/run_demo.py

# The local server, by hand, for trying playbooks offline.
server: setup
	PYTHONPATH=tools $(BIN)/python -m assistants_server --port 8080

test: setup
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

unit: setup
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: collection
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

clean:
	rm -rf $(BUILD) $(VENV) .pytest_cache
