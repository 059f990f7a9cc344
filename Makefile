# The two commands: `make demo` runs the main job, `make test` runs the whole test suite.
# Both set up everything they need: a Java runtime (apt-get, when `java` is missing),
# a virtualenv in .venv and the Python packages.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test setup java lint jar clean

demo: setup
	$(PY) -m pmmlkit.demo --out out

test: setup
	$(PY) -m ruff check pmmlkit converters tests benchmarks
	$(PY) -m pytest -n 2 --dist loadgroup -q tests

setup: java $(STAMP)

java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "java not found: installing a Java runtime with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[spark,test]"
	touch $(STAMP)

# Rebuild the JVM bridge after editing pmmlkit/jvm/src (needs a JDK; the built jar is committed).
jar: setup
	$(PY) -m pmmlkit.jvm_build

clean:
	rm -rf $(VENV) out build *.egg-info
