#!/usr/bin/env bash
# Install llama-cpp-python into the venv, compiled with the flags in $LLAMA_CMAKE_ARGS
# (the Makefile sets a portable instruction set: never "whatever this CPU reports").
#
#   LLAMA_CMAKE_ARGS="..." scripts/install-llama-cpp.sh VENV_PYTHON
#
# Idempotent: the venv records the build it holds in .venv/.llama-build (version + flags);
# a venv with another build (or none, e.g. one made before this script) is rebuilt. Built
# wheels are kept per build in ~/.cache/routelab/wheels/<hash>, so a `make clean` does not
# compile again. pip's own wheel cache is bypassed on purpose: its key ignores CMAKE_ARGS,
# so it would hand back a native build made earlier.
set -euo pipefail

PYTHON=${1:?usage: $0 VENV_PYTHON}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=$("$PYTHON" -c 'import sys; print(sys.prefix)')

# The version comes from pyproject.toml, the one place it is pinned.
VERSION=$(grep -o 'llama-cpp-python\[server\]==[0-9.]*' "$ROOT/pyproject.toml" | cut -d= -f3)
[ -n "$VERSION" ] || { echo "error: no llama-cpp-python pin in pyproject.toml" >&2; exit 1; }

# The flags are the Makefile's choice (LLAMA_CMAKE_ARGS: a portable instruction set).
FLAGS=${LLAMA_CMAKE_ARGS:?set LLAMA_CMAKE_ARGS (the Makefile does: run make setup)}
BUILD="llama-cpp-python==$VERSION $FLAGS"
STAMP="$VENV/.llama-build"

installed=$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))' \
            2>/dev/null || true)
if [ "$installed" = "$VERSION" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$BUILD" ]; then
  exit 0  # this venv already holds this build
fi
if [ -n "$installed" ]; then
  echo "Rebuilding llama-cpp-python: this venv holds a build made with other flags" \
       "(or before builds were recorded), which may crash on other CPUs."
fi

KEY=$(printf '%s' "$BUILD" | sha256sum | cut -c1-16)
CACHE="${ROUTELAB_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/routelab/wheels}/$KEY"
wheel=$(ls "$CACHE"/llama_cpp_python-"$VERSION"-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ]; then
  echo "Compiling llama-cpp-python $VERSION with $FLAGS (about 7 minutes on 2 cores," \
       "once; kept in $CACHE) ..."
  mkdir -p "$CACHE"
  scratch=$(mktemp -d "$CACHE/.build.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  CMAKE_ARGS="$FLAGS" FORCE_CMAKE=1 "$PYTHON" -m pip wheel --quiet --no-deps --no-cache-dir \
    --no-binary llama-cpp-python -w "$scratch" "llama-cpp-python==$VERSION"
  built=$(ls "$scratch"/llama_cpp_python-*.whl)
  mv "$built" "$CACHE/"  # only a finished wheel ever lands in the cache
  printf '%s\n' "$BUILD" > "$CACHE/BUILD"
  wheel="$CACHE/$(basename "$built")"
fi
"$PYTHON" -m pip install --quiet --no-deps --force-reinstall "$wheel"
printf '%s' "$BUILD" > "$STAMP"
echo "llama-cpp-python $VERSION installed: $FLAGS"
