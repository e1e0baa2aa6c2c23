# routelab: `make run` opens the dashboard, `make test` runs every test. Both set up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Nothing reaches for the network at run time: models and cost maps ship in packages.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export LITELLM_LOCAL_MODEL_COST_MAP := True

# llama-cpp-python compiles llama.cpp from source, by default (GGML_NATIVE) for every
# instruction the building CPU *reports*; some VMs report AVX-512 / AMX they do not let
# run, and the first token dies with SIGILL. So llama.cpp is built portably, for a fixed
# instruction set: x86-64-v3 (AVX2, FMA, F16C, BMI2: every AVX2 machine since 2013) with
# AVX-512 and AMX off, or the SSE4.2 baseline on an x86-64 CPU without AVX2. README, "The
# local model build", says why not llama.cpp's runtime dispatch. Set LLAMA_CMAKE_ARGS to
# choose yourself (e.g. -DGGML_NATIVE=ON: fastest here, this CPU only).
LLAMA_PORTABLE := -DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON \
  -DGGML_BMI2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AVX_VNNI=OFF \
  -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA_BASELINE := -DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=OFF -DGGML_AVX2=OFF \
  -DGGML_BMI2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_AVX512=OFF -DGGML_AVX_VNNI=OFF \
  -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
HAS_X86_64_V3 := $(shell for f in avx2 fma f16c bmi2; do grep -qw $$f /proc/cpuinfo || exit; \
  done; echo yes)
ifeq ($(shell uname -m),x86_64)
LLAMA_CMAKE_ARGS ?= $(if $(HAS_X86_64_V3),$(LLAMA_PORTABLE),$(LLAMA_BASELINE))
else
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF
endif
export LLAMA_CMAKE_ARGS
# Any other pip build of llama-cpp-python gets the same flags, never a native build.
export CMAKE_ARGS := $(LLAMA_CMAKE_ARGS)

.PHONY: setup gateway-setup run test bench fuzz chromium lint clean demo doctor

# The llama.cpp build check runs every time: a venv whose llama-cpp-python was built with
# other flags (e.g. for "this CPU", which crashes on others) is rebuilt even when nothing
# else changed. It returns at once when the venv holds the right build.
setup: $(STAMP)
	@scripts/install-llama-cpp.sh $(BIN)/python

# Reinstall only when the dependency list changes. torch is pinned to the CPU build that pip
# finds on this machine's disk; an unpinned torch would pull gigabytes of CUDA packages.
# llama-cpp-python goes in before the project, so pip finds it satisfied and never compiles
# its own (native) build.
$(STAMP): pyproject.toml scripts/install-llama-cpp.sh Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	scripts/install-llama-cpp.sh $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# MiniLM's OpenVINO network, converted once here rather than on a page's first embedding
	HF_HUB_OFFLINE=1 $(BIN)/python -c "from app.embed.embeddings import load_minilm; load_minilm()"
	@touch $(STAMP)

# The LiteLLM proxy that `routelab gateway` runs, in its own environment (its pins clash
# with the dashboard's; scripts/gateway-requirements.txt says which). About 4 minutes once.
GATEWAY_VENV := .venv-gateway
GATEWAY_STAMP := $(GATEWAY_VENV)/.installed-stamp
gateway-setup: $(GATEWAY_STAMP)

$(GATEWAY_STAMP): scripts/gateway-requirements.txt
	@test -x $(GATEWAY_VENV)/bin/python || $(PYTHON) -m venv $(GATEWAY_VENV)
	$(GATEWAY_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(GATEWAY_VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(GATEWAY_VENV)/bin/python -m pip install --quiet -r scripts/gateway-requirements.txt
	@touch $@

# The quick health checks, then the dashboard plus the local model server (SmolLM2 +
# Gemma 3 via llama.cpp); both stop together on Ctrl-C, SIGTERM or SIGHUP.
run: setup
	@$(BIN)/routelab doctor --quick || echo "(starting anyway: the fixes are listed above)"
	$(BIN)/routelab serve

# Regenerate the built-in demo log and its self-consistency probes (about an hour on 2
# cores; resumable: run it again after an interruption).
demo: setup
	$(BIN)/python -m app.data.demo.prompts
	ROUTELAB_DB=data/demo/build.duckdb $(BIN)/routelab collect --prompts data/demo/prompts.jsonl \
	  --models smollm2,smollm2-fewshot,gemma3,gemma3-vote3 --name demo --kind demo \
	  --concurrency 2 --export data/demo/demo_log.jsonl
	ROUTELAB_DB=data/demo/build.duckdb $(BIN)/routelab collect --prompts data/demo/prompts.jsonl \
	  --models smollm2-probe1,smollm2-probe2,smollm2-probe3 --name demo-probes --kind demo \
	  --concurrency 2 --export data/demo/probes_log.jsonl

# pytest exits 5 when it collects nothing; that must never pass for green (or red) in CI.
test: setup gateway-setup chromium
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests ran" >&2; exit 1; fi; exit $$rc

# The suite's property tests draw the same examples every run; this searches fresh ones.
fuzz: setup
	HYPOTHESIS_PROFILE=explore $(BIN)/python -m pytest -q tests/test_importers_fuzz.py

bench: setup
	$(BIN)/python -m bench

# Browser tests drive Debian's Chromium (Playwright's own browser download fails offline).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests ..."; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; }

# Every health check, the slow ones included (encoder, a token from each local model).
doctor: setup
	$(BIN)/routelab doctor

lint: setup
	$(BIN)/ruff check app routers pages tests bench
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) $(GATEWAY_VENV) .pytest_cache .import_linter_cache tests/artifacts
