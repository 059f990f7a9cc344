# The two commands: `make demo` runs the main job, `make test` runs the whole test suite.
# Both set up everything they need: a Java runtime (apt-get, when `java` is missing),
# a virtualenv in .venv and the Python packages.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# One stamp per set of extras: the demo needs the package and [serve] (pmmlkit serve and the Redis client,
# for its online-features example), the tests add [spark,test].
BASE_STAMP := $(VENV)/.installed-base
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: demo test setup java jdk wrk redis lint jar clean bench-serve bench-online matrix

demo: java $(BASE_STAMP)
	-@$(MAKE) --no-print-directory redis
	$(PY) -m pmmlkit.demo --out out

test: java jdk redis $(TEST_STAMP)
	$(PY) -m ruff check pmmlkit converters tests benchmarks
	$(PY) -m pytest -n 2 --dist loadgroup -q tests

setup: java $(TEST_STAMP)

lint: $(TEST_STAMP)
	$(PY) -m ruff check pmmlkit converters tests benchmarks

java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "java not found: installing a Java runtime with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }

# javac, for `make jar` and the Java program tests/java_engines/ScorePmml.java that `make test` compiles.
jdk:
	@command -v javac >/dev/null 2>&1 || { \
	  echo "javac not found: installing a JDK with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jdk-headless >/dev/null; }

# wrk (an HTTP load generator), for `make bench-serve` only.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "wrk not found: installing it with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# redis-server (Debian's package), for the online-features tests, `make demo`'s online example and
# benchmarks/online.py. The tests start their own ephemeral server on a free loopback port; a failed
# install is not fatal to the demo (it then says how to start Redis).
redis:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "redis-server not found: installing it with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

# Online features: rank 500 candidates with embeddings in Redis, and precompute into Redis (README "Online features").
bench-online: java redis $(TEST_STAMP)
	$(PY) benchmarks/online.py

# Serving throughput: `pmmlkit serve` vs a FastAPI wrapper around pypmml, under wrk (README "Serving").
bench-serve: java wrk $(BENCH_STAMP)
	$(PY) benchmarks/serve.py

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(BASE_STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[serve]"
	touch $@

$(TEST_STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[spark,test]"
	touch $@

$(BENCH_STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install -q -e ".[bench]"
	touch $@

# Version matrix (README "Supported versions"): each row's releases in a throwaway virtualenv
# under /tmp, the scikit-learn/XGBoost/LightGBM fidelity tables on both engines. Slow; not in `make test`.
# `make matrix MATRIX_ARGS="--row oldest -k xgb"` runs one row, or a subset of the tables.
matrix: java $(BASE_STAMP)
	$(PY) tests/version_matrix.py $(MATRIX_ARGS)

# Rebuild the JVM bridge after editing pmmlkit/scoring/bridge/src (deterministic: same source, same jar).
jar: jdk $(BASE_STAMP)
	$(PY) -m pmmlkit.scoring.bridge_build

clean:
	rm -rf $(VENV) out build *.egg-info
