#!/usr/bin/env bash
# Benchmark: `minik load docker-image` against a kind-style baseline, on one 3-node cluster.
#
#   tests/bench/load.sh            # needs Docker, minik/node:test (tests/e2e/prepare.sh)
#   RUNS=5 SIZE_MB=300 tests/bench/load.sh
#   MINIK=/path/to/minik tests/bench/load.sh
#
# (a) minik load docker-image IMG: one `docker save` stream fanned out to the 3 nodes.
# (b) baseline, what kind does: `docker save -o /tmp/x.tar IMG`, then for every node at once
#     `docker exec -i NODE ctr -n k8s.io images import --digests - < /tmp/x.tar`.
# The image is removed from the nodes before every run so both do real imports; runs alternate
# a, b, a, b, ... and the medians and the ratio minik/baseline are printed. The cluster and the
# image are removed on exit, whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

RUNS=${RUNS:-3}
SIZE_MB=${SIZE_MB:-200}
NODE_IMAGE=${NODE_IMAGE:-minik/node:test}
CLUSTER=${CLUSTER:-bench-load-$$}
IMG=minik.bench/load:${SIZE_MB}m
TAR=$(mktemp -d)/x.tar
MINIK=${MINIK:-}
WORK=$(mktemp -d)

cleanup() {
  "$MINIK" delete --name "$CLUSTER" >/dev/null 2>&1 || true
  docker rmi -f "$IMG" >/dev/null 2>&1 || true
  rm -rf "$WORK" "$(dirname "$TAR")"
}
trap cleanup EXIT

# The dev build the tests use; minik itself spends about 1 s of CPU relaying 600 MB here, so the
# profile hardly matters (the nodes' containerd does the work). MINIK=path uses another binary.
if [[ -z "$MINIK" ]]; then
  cargo build --quiet
  MINIK="${CARGO_TARGET_DIR:-target}/debug/minik"
fi

echo "== building a ${SIZE_MB} MB image $IMG (random data, so nothing compresses or dedupes)"
cat >"$WORK/Dockerfile" <<DOCKERFILE
FROM minik.test/busybox:1.0
RUN head -c ${SIZE_MB}m /dev/urandom > /payload
DOCKERFILE
docker build -q -t "$IMG" "$WORK" >/dev/null
docker image inspect -f 'size: {{.Size}} bytes, id: {{.Id}}' "$IMG"

echo "== creating cluster $CLUSTER (3 nodes)"
export KUBECONFIG="$WORK/kubeconfig"
"$MINIK" create --name "$CLUSTER" --nodes 3 --image "$NODE_IMAGE" --wait 0 -q
mapfile -t NODES < <(docker ps --filter "label=io.minik.cluster=$CLUSTER" \
  --filter "label=io.minik.role" --format '{{.Names}}' | sort)
echo "nodes: ${NODES[*]}"

# The name has a registry part (minik.bench), so containerd keeps it as it is.
ref=$IMG
ID=$(docker image inspect -f '{{.Id}}' "$IMG")
# Every reference to the image goes (the tag, the digest references --digests made, and the
# sha256:<ID> one containerd's CRI adds), then containerd's GC drops its blobs and snapshots.
# Otherwise the next run would find the content and skip the real work.
remove_everywhere() {
  for n in "${NODES[@]}"; do
    docker exec "$n" sh -c '
      targets=$(ctr -n k8s.io images ls | awk -v r="$1" -v id="$2" "\$1==r || \$1==id {print \$3}" | sort -u)
      for d in $targets; do ctr -n k8s.io images ls | awk -v d="$d" "\$3==d {print \$1}"; done |
        xargs -r ctr -n k8s.io images rm --sync >/dev/null
      if ctr -n k8s.io content ls | grep -q "^$2"; then echo "warning: $(hostname) still has the image content" >&2; fi
    ' sh "$ref" "$ID"
  done
}

verify_everywhere() {
  for n in "${NODES[@]}"; do
    # Listed first, then searched: `grep -q` stopping early would fail the pipe (pipefail).
    local refs
    refs=$(docker exec "$n" ctr -n k8s.io images ls -q)
    grep -qxF "$ref" <<<"$refs" || {
      echo "image missing on $n after a run" >&2
      exit 1
    }
  done
}

now() { date +%s.%N; }

run_minik() {
  "$MINIK" load docker-image "$IMG" --name "$CLUSTER" -q
}

run_baseline() {
  docker save -o "$TAR" "$IMG"
  local pids=()
  for n in "${NODES[@]}"; do
    docker exec -i "$n" ctr -n k8s.io images import --digests - <"$TAR" >/dev/null &
    pids+=($!)
  done
  local rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  rm -f "$TAR"
  return $rc
}

A=() B=()
for i in $(seq 1 "$RUNS"); do
  remove_everywhere
  sync
  t0=$(now); run_minik; t1=$(now)
  verify_everywhere
  A+=("$(echo "$t1 - $t0" | bc)")
  remove_everywhere
  sync
  t0=$(now); run_baseline; t1=$(now)
  verify_everywhere
  B+=("$(echo "$t1 - $t0" | bc)")
  echo "run $i: minik ${A[-1]}s  baseline ${B[-1]}s"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ma=$(median "${A[@]}")
mb=$(median "${B[@]}")
ratio=$(echo "scale=2; $ma / $mb" | bc)
echo "== ${SIZE_MB} MB image, ${#NODES[@]} nodes, $RUNS runs each"
echo "minik load docker-image   median ${ma}s  (${A[*]})"
echo "baseline save+exec import median ${mb}s  (${B[*]})"
echo "ratio minik/baseline: $ratio"
