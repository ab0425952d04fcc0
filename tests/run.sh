#!/usr/bin/env bash
# The whole test suite, what CI runs (.ci/run calls this), and all a fresh machine needs:
#   deps         what the tests need on the host (tests/deps.sh: installs it as root on
#                Debian/Ubuntu, else names it and how to get it, before anything is built)
#   build        minik, its tests and the test CRI client (cargo caches them)
#   test images  the test node image minik/node:test (tests/e2e/prepare.sh; cached by label)
#   stand-in     the Kubernetes stand-in's own tests (tests/k8s-standin)
#   unit         src/'s unit tests and doc tests
#   offline      tests/offline: the CLI and the use cases on a fake engine
#   docker       tests/docker: integration and end-to-end tests against the real engine (they
#                fail, never skip, without one)
# Arguments are cargo test filters for the unit, offline and docker phases.
# At the end it prints each phase's wall time beside its budget on a fresh 2-core machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

# Phase budgets in seconds on a fresh, quiet 2-core machine (cold caches); CI stops at 90
# minutes and the sum here is 48. Measured on 2026-12-07: build 631 s and test images 332 s
# cold; docker 1052 s for 62 tests (six labs in two languages, three browser tests) on a
# quiet machine.
declare -A BUDGET=([deps]=120 [build]=720 [test images]=480 [stand-in]=180 [unit]=60
  [offline]=120 [docker]=1200)
PHASES=()
declare -A TOOK=()

phase() { # NAME COMMAND... : runs it, records its wall time
  local name=$1 start rc=0
  shift
  start=$(date +%s)
  printf '\n=== %s ===\n' "$name" >&2
  "$@" || rc=$?
  PHASES+=("$name")
  TOOK[$name]=$(($(date +%s) - start))
  return "$rc"
}

summary() {
  local rc=$? name total=0 over=""
  ((${#PHASES[@]})) || return 0
  printf '\ntests/run.sh: wall time per phase (budget on a fresh 2-core machine)\n' >&2
  for name in "${PHASES[@]}"; do
    total=$((total + TOOK[$name]))
    over=""
    ((TOOK[$name] > BUDGET[$name])) && over="  over budget"
    printf '  %-12s %5ss  (budget %4ss)%s\n' "$name" "${TOOK[$name]}" "${BUDGET[$name]}" "$over" >&2
  done
  printf '  %-12s %5ss  (budget %4ss)\n' total "$total" 2880 >&2
  ((rc == 0)) || printf 'tests/run.sh: FAILED in phase "%s" (exit %s)\n' "${PHASES[-1]}" "$rc" >&2
}
trap summary EXIT

# shellcheck source=tests/deps.sh
source tests/deps.sh
if ! docker info >/dev/null 2>&1; then
  echo "tests/run.sh: no Docker engine answers (docker info failed); these tests need one" >&2
  exit 1
fi

build() {
  cargo build --locked
  cargo test --locked --no-run
  # shellcheck source=tests/e2e/prepare.sh
  (source tests/e2e/prepare.sh && build_cri_client)
}

phase deps deps_ensure
phase build build
phase "test images" tests/e2e/prepare.sh
phase stand-in python3 -m unittest discover -s tests/k8s-standin -p 'test_*.py'
phase unit bash -c 'cargo test --locked --lib --bins -- "$@" && cargo test --locked --doc -- "$@"' _ "$@"
phase offline cargo test --locked --test offline -- "$@"
# Docker-heavy tests share two cores: two tests at a time (the docker binary holds them all).
phase docker cargo test --locked --test docker -- --test-threads=2 "$@"
