#!/usr/bin/env bash
# Benchmark: `minik create` with 1 and with 3 nodes on the test image, beside a plain-docker
# baseline that starts the same node containers (same settings, in parallel) and waits for
# systemd to boot in each, in the same run. Prints medians and the ratios.
#
#   tests/bench/create.sh [ROUNDS]        (default 3 rounds; needs minik/node:test)
#
# The baseline is the floor minik cannot go below (container start + systemd boot); minik's
# overhead over it is kubeadm, CNI/storage, joins, the Ready wait and the kubeconfig.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROUNDS=${1:-3}
IMAGE=${MINIK_BENCH_IMAGE:-minik/node:test}
MINIK=${MINIK:-target/release/minik}
[[ -x $MINIK ]] || cargo build --release --locked
docker image inspect "$IMAGE" >/dev/null || { echo "missing $IMAGE: run tests/e2e/prepare.sh" >&2; exit 1; }

export KUBECONFIG; KUBECONFIG=$(mktemp)
cleanup() {
  "$MINIK" delete --name bench >/dev/null 2>&1 || true
  docker ps -aq --filter label=io.minik.bench | xargs -r docker rm -f -v >/dev/null
  rm -f "$KUBECONFIG"
}
trap cleanup EXIT

now() { date +%s.%N; }

# The node settings minik uses on this engine (it probes privileged mode the same way).
if docker run --rm --privileged --entrypoint /bin/true "$IMAGE" >/dev/null 2>&1; then
  POWERS=(--privileged)
else
  POWERS=(--cap-add ALL --cap-drop SYS_RESOURCE --security-opt systempaths=unconfined
          --device-cgroup-rule 'a *:* rwm')
fi

baseline() { # N: start N node containers in parallel, wait until each reaches multi-user
  local n=$1 i pids=()
  docker network inspect minik >/dev/null 2>&1 || docker network create minik >/dev/null
  for i in $(seq "$n"); do
    (
      docker run -d -t --name "bench-base-$i" --hostname "bench-base-$i" --network minik \
        --label io.minik.bench=1 "${POWERS[@]}" --security-opt seccomp=unconfined \
        --security-opt apparmor=unconfined --cgroupns private --tmpfs /tmp --tmpfs /run \
        -v /var -v /lib/modules:/lib/modules:ro --init=false "$IMAGE" >/dev/null
      # Short polls: `docker logs -f | grep -q` would wait for the next line after the match.
      for _ in $(seq 600); do
        docker logs "bench-base-$i" 2>&1 | grep -q 'Reached target.*Multi-User System' && break
        sleep 0.1
      done
    ) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  docker ps -aq --filter label=io.minik.bench | xargs -r docker rm -f -v >/dev/null
}

timed() { local t0; t0=$(now); "$@"; python3 -c "print(f'{$(now) - $t0:.2f}')"; }
median() { python3 -c 'import statistics,sys; print(f"{statistics.median(map(float, sys.argv[1:])):.2f}")' "$@"; }

declare -A runs
for r in $(seq "$ROUNDS"); do
  for n in 1 3; do
    # Only the create is timed for minik; the delete after it is not.
    t0=$(now); "$MINIK" create --name bench --nodes "$n" --image "$IMAGE" -q >/dev/null; t1=$(now)
    "$MINIK" delete --name bench -q >/dev/null
    runs[minik$n]+="$(python3 -c "print(f'{$t1 - $t0:.2f}')") "
    runs[base$n]+="$(timed baseline "$n") "
  done
done

m1=$(median ${runs[minik1]}); m3=$(median ${runs[minik3]})
b1=$(median ${runs[base1]}); b3=$(median ${runs[base3]})
python3 - "$m1" "$m3" "$b1" "$b3" "$ROUNDS" <<'PY'
import sys
m1, m3, b1, b3 = map(float, sys.argv[1:5]); rounds = sys.argv[5]
print(f"create benchmark, median of {rounds} rounds (seconds, until every node is Ready)")
print(f"  minik create, 1 node : {m1:6.2f}   baseline (docker run + systemd boot): {b1:6.2f}")
print(f"  minik create, 3 nodes: {m3:6.2f}   baseline (docker run + systemd boot): {b3:6.2f}")
print(f"  3 nodes / 1 node     : {m3 / m1:6.2f}   (aim: <= 1.3)")
print(f"  minik overhead       : {m1 - b1:6.2f} s (1 node), {m3 - b3:6.2f} s (3 nodes) over the baseline")
PY
