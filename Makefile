# Everything a new machine needs, from nothing: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BUILD := .build
COLLECTIONS := $(BUILD)/collections
PYTEST_ARGS ?=
# ansible-core versions the collection claims (meta/runtime.yml), each with a Python it supports.
CORE_MATRIX ?= 2.16:3.11 2.17:3.11 2.18:3.11 2.19:3.11 2.20:3.12 2.21:3.12
# The integration suite (both execution modes, the parity harness) runs on the oldest and the
# newest claimed ansible-core, each in a venv of its own (.build/core-<version>); the dev .venv
# (2.19) keeps the unit suite, the linters and the docs. The last core's run also does what does
# not depend on the core: the rulebook test (ansible-rulebook brings its own) and ansible-lint on
# the playbooks the tests write (the same playbooks on every core).
INTEGRATION_CORES ?= 2.16:3.11 2.21:3.12
# Two workers (pytest-xdist); the two execution modes of a test stay in one worker (conftest.py
# schedules them together), as the harness compares them within one process.
INTEGRATION_ARGS ?= -n 2

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup collection demo server test pytest pytest-cores pytest-floor lint sanity integration docs benchmark clean

$(BIN)/.installed: requirements-dev.txt requirements.txt docs/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt -r docs/requirements.txt
	touch $@

setup: $(BIN)/.installed
	@mkdir -p $(BUILD)/ns/ansible_collections/seed
	@ln -sfn "$(CURDIR)" $(BUILD)/ns/ansible_collections/seed/openai

# Build the tarball and install it, as users do, into a private collections path.
collection: setup
	rm -rf $(BUILD)/dist $(COLLECTIONS)
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist .
	$(BIN)/ansible-galaxy collection install --force -p $(COLLECTIONS) $(BUILD)/dist/seed-openai-*.tar.gz

# The main job: the demo playbook against the local Assistants-compatible server.
demo: collection
	$(BIN)/python tools/run_demo.py

# The local server, by hand, for trying playbooks offline: make server [PORT=8080] [MODE=openai|compat|foundry]
# [NO_THREAD_AND_RUN=1] (no POST /threads/runs, as some compatible servers) [MESSAGES_DURING_RUN=1] (messages accepted mid-run).
# MODE=foundry also starts an Entra ID stand-in and prints the variables that sign a shell in.
SERVER_SWITCHES = $(if $(filter 1 yes true,$(NO_THREAD_AND_RUN)),--no-thread-and-run) \
  $(if $(filter 1 yes true,$(MESSAGES_DURING_RUN)),--messages-during-run)
server: setup
	PYTHONPATH=tools $(BIN)/python -m assistants_server --port $(or $(PORT),8080) --mode $(or $(MODE),openai) $(strip $(SERVER_SWITCHES))

# Every check: the pytest suites, linters, ansible-test on every claimed ansible-core, the docs site.
test: pytest pytest-cores pytest-floor lint sanity integration docs

pytest: setup
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

# The integration suite on each of INTEGRATION_CORES: make pytest-cores [PYTEST_ARGS=-k ...].
pytest-cores: setup eda-venv $(foreach pair,$(INTEGRATION_CORES),$(BUILD)/core-$(firstword $(subst :, ,$(pair)))/.installed)
	@last=$(lastword $(INTEGRATION_CORES)); for pair in $(INTEGRATION_CORES); do \
	  core=$${pair%%:*}; once="--ignore=tests/integration/test_rulebook.py"; lint=0; \
	  if [ "$$pair" = "$$last" ]; then once=; lint=1; fi; \
	  echo "== integration suite on ansible-core $$core"; \
	  SEED_OPENAI_LINT_PLAYBOOKS=$$lint $(BUILD)/core-$$core/bin/python -m pytest tests/integration \
	    $(INTEGRATION_ARGS) $$once $(PYTEST_ARGS) || exit 1; \
	done

# A venv per core from its pinned requirements, with the pyenv Python the core needs (as tools/ansible_test.py finds it).
$(BUILD)/core-%/.installed: tests/integration/requirements-core-%.txt tests/integration/requirements-cores.txt
	@version=$(lastword $(subst :, ,$(filter $*:%,$(INTEGRATION_CORES)))); \
	python=$$(ls -d $$HOME/.pyenv/versions/$$version.*/bin/python$$version 2>/dev/null | sort -V | tail -n 1); \
	python=$${python:-$$(command -v python$$version)}; \
	test -n "$$python" || { echo "Python $$version is not on this machine (looked in pyenv and PATH)"; exit 1; }; \
	echo "$$python -m venv $(BUILD)/core-$*"; rm -rf $(BUILD)/core-$*; \
	$$python -m venv $(BUILD)/core-$* && $(BUILD)/core-$*/bin/pip install --quiet -r tests/integration/requirements-core-$*.txt
	touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MYPYPATH=$(BUILD)/ns $(BIN)/mypy -p ansible_collections.seed.openai.plugins.module_utils
	PATH="$(CURDIR)/$(BIN):$$PATH" ANSIBLE_COLLECTIONS_PATH=$(BUILD)/ns $(BIN)/ansible-lint --offline roles playbooks extensions/eda/playbooks extensions/eda/rulebooks
	$(BIN)/antsibull-changelog lint

# ansible-test units (the unit suite under each core's own AnsibleModule) on the oldest and the newest
# claimed core, which are also the two Pythons (3.11, 3.12); the dev .venv runs it on 2.19. Sanity runs on all.
UNITS_CORES ?= 2.16 2.21
# shellcheck is one of the sanity tests; ansible-test only warns when it is missing.
sanity: setup
	@command -v shellcheck >/dev/null || { apt-get install -y -qq shellcheck >/dev/null 2>&1 \
	  || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq shellcheck >/dev/null 2>&1; } \
	  || echo "shellcheck could not be installed: the sanity test 'shellcheck' will be skipped"; }
	@for pair in $(CORE_MATRIX); do \
	  core=$${pair%%:*}; python=$${pair##*:}; \
	  echo "== ansible-core $$core, Python $$python"; \
	  units=$$(case " $(UNITS_CORES) " in *" $$core "*) echo units;; esac); \
	  $(BIN)/python tools/ansible_test.py --core $$core --python $$python sanity $$units || exit 1; \
	done

# ansible-test integration (tests/integration/targets) on the oldest and newest ansible-core, side by
# side, one per core: core:python:modes, the modes run one after the other (in_process is the default
# for a local connection, module runs the modules as modules). Each run's log is in .build/integration/.
INTEGRATION_MATRIX ?= 2.21:3.12:in_process,module 2.16:3.11:in_process
integration: setup
	@mkdir -p $(BUILD)/integration; started=$$(date +%s); runs=""; \
	for spec in $(INTEGRATION_MATRIX); do \
	  core=$${spec%%:*}; rest=$${spec#*:}; python=$${rest%%:*}; modes=$${rest#*:}; \
	  echo "== ansible-test integration: ansible-core $$core, Python $$python, $$modes"; \
	  $(BIN)/python tools/ansible_test.py --core $$core --python $$python integration --modes $$modes \
	    >$(BUILD)/integration/$$core.log 2>&1 & runs="$$runs $$!:$$core"; \
	done; \
	failed=""; for run in $$runs; do \
	  log=$(BUILD)/integration/$${run#*:}.log; \
	  if wait $${run%%:*}; then grep "^ansible-test integration," $$log; \
	  else cat $$log; failed="$$failed $${run#*:}"; fi; \
	done; \
	echo "integration: $$(( $$(date +%s) - started )) s in all"; \
	test -z "$$failed" || { echo "ansible-test integration failed on ansible-core$$failed"; exit 1; }

docs: setup
	tools/build_docs.sh

clean:
	rm -rf $(BUILD) $(VENV) .pytest_cache

# What a task costs, against uri and ping; rewrites docs/performance.md.
benchmark: collection
	$(BIN)/python benchmarks/run.py

# ansible-rulebook (and Java 17 for its rule engine) for the EDA integration test, in a venv of its own:
# ansible-rulebook pins its own dependencies.
.PHONY: eda-venv
EDA_VENV := $(BUILD)/eda-venv
$(EDA_VENV)/.installed: tests/integration/requirements-eda.txt
	@test -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java || apt-get install -y -qq openjdk-17-jre-headless >/dev/null \
	  || { apt-get update -qq >/dev/null && apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }
	rm -rf $(EDA_VENV)
	$(PYTHON) -m venv $(EDA_VENV)
	$(EDA_VENV)/bin/pip install --quiet -r tests/integration/requirements-eda.txt
	touch $@

eda-venv: $(EDA_VENV)/.installed

# The unit suite once more on the oldest requests and urllib3 the collection claims (requirements.txt).
FLOOR_VENV := $(BUILD)/floor-venv
$(FLOOR_VENV)/.installed: tests/requirements-floor.txt
	rm -rf $(FLOOR_VENV)
	$(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/pip install --quiet -r tests/requirements-floor.txt
	touch $@

pytest-floor: setup $(FLOOR_VENV)/.installed
	$(FLOOR_VENV)/bin/python -c 'import requests, urllib3; print("floor: requests", requests.__version__, "urllib3", urllib3.__version__)'
	$(FLOOR_VENV)/bin/python -m pytest -q tests/unit
