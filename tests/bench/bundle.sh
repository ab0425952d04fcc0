#!/usr/bin/env bash
# Benchmark: a workshop room on loopback. One `minik bundle serve`, CLIENTS concurrent
# `minik bundle fetch` (download + every part's SHA-256 checked), then the time from "bundle on
# disk" to "3 nodes Ready" with none of its images in the engine (`minik create --bundle`: load
# and verify into the engine, create, put the app image on every node), beside a plain create
# whose node image is already present (what the bundle adds on top).
#
#   tests/bench/bundle.sh                 # needs Docker and minik/node:test (tests/e2e/prepare.sh)
#   CLIENTS=10 tests/bench/bundle.sh
#   MINIK=/path/to/minik tests/bench/bundle.sh
#
# Sizes and times are given for zstd (what bundles store) beside uncompressed: the manifest's
# unpacked sizes are what an uncompressed bundle holds, and `docker save` of the same images to a
# file is what writing it uncompressed costs. The room's transfer is projected for ROOM laptops
# on a WIFI_MBIT Mbit/s network from both sizes (loopback hides it).
#
# The node image is a labelled copy of the test image (its own ID, shared layers), so removing
# it never touches minik/node:test. No registry is involved anywhere. Everything it makes (the
# images, the clusters, the server, the files) is removed on exit, whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

CLIENTS=${CLIENTS:-10}
ROOM=${ROOM:-30}
WIFI_MBIT=${WIFI_MBIT:-200}
BASE_IMAGE=${MINIK_TEST_NODE_IMAGE:-minik/node:test}
TAG=bench-bundle-$$
NODE_IMAGE=minik/node:$TAG
APP=minik.bench/bundle-app:$TAG
CLUSTER=bench-bundle-$$
MINIK=${MINIK:-}
WORK=$(mktemp -d)
SERVER=

cleanup() {
  [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  "$MINIK" delete --name "$CLUSTER" >/dev/null 2>&1 || true
  "$MINIK" delete --name "$CLUSTER-plain" >/dev/null 2>&1 || true
  docker rmi "$NODE_IMAGE" "$APP" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The dev build the tests use (its SHA-256 runs at opt-level 1: checking is a little slower
# than a release build's). MINIK=path uses another binary.
if [[ -z "$MINIK" ]]; then
  cargo build --quiet
  MINIK="${CARGO_TARGET_DIR:-target}/debug/minik"
fi
docker image inspect "$BASE_IMAGE" >/dev/null || { echo "missing $BASE_IMAGE: run tests/e2e/prepare.sh" >&2; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "== images: $NODE_IMAGE (copy of $BASE_IMAGE), $APP"
printf 'FROM %s\nLABEL io.minik.bench=%s\n' "$BASE_IMAGE" "$TAG" | docker build -q -t "$NODE_IMAGE" - >/dev/null 2>&1
printf 'FROM minik.test/busybox:1.0\nRUN echo %s > /app\n' "$TAG" | docker build -q -t "$APP" - >/dev/null 2>&1

t0=$(now)
"$MINIK" bundle create -o "$WORK/room.minik" --node-image "$NODE_IMAGE" --image "$APP" -q
# The digest attendees pin: SHA-256 of the manifest slot (what create and serve print).
DIGEST=$(dd if="$WORK/room.minik" bs=512 skip=1 count=128 2>/dev/null | sha256sum | cut -d' ' -f1)
t1=$(now)
SIZE=$(stat -c %s "$WORK/room.minik")
CREATE=$(secs "$t0" "$t1")
echo "bundle create (zstd): $CREATE s for $((SIZE / 1000000)) MB"
t0=$(now)
docker save "$NODE_IMAGE" "$APP" -o "$WORK/plain.tar"
sha256sum "$WORK/plain.tar" >/dev/null
t1=$(now)
echo "uncompressed (docker save to a file + SHA-256): $(secs "$t0" "$t1") s for $(($(stat -c %s "$WORK/plain.tar") / 1000000)) MB"
rm -f "$WORK/plain.tar"
docker rmi "$NODE_IMAGE" "$APP" >/dev/null

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Its log holds the "interrupted by SIGTERM" it ends with when stopped below.
"$MINIK" bundle serve "$WORK/room.minik" --address 127.0.0.1 --port "$PORT" -q 2>"$WORK/serve.log" &
SERVER=$!
until curl -fsS "http://127.0.0.1:$PORT/manifest.json" >/dev/null 2>&1; do sleep 0.2; done
UNPACKED=$(curl -fsS "http://127.0.0.1:$PORT/manifest.json" | python3 -c '
import json, sys
print(sum(p.get("unpacked_size") or p["size"] for p in json.load(sys.stdin)["parts"]))')
echo "size: $((SIZE / 1000000)) MB with zstd, $((UNPACKED / 1000000)) MB uncompressed" \
  "($(awk -v a="$SIZE" -v b="$UNPACKED" 'BEGIN { printf "%.0f", 100 * a / b }') %)"
echo "room: $ROOM laptops at $WIFI_MBIT Mbit/s: $(awk -v s="$SIZE" -v n="$ROOM" -v w="$WIFI_MBIT" \
  'BEGIN { printf "%.1f", s * n * 8 / (w * 1e6) / 60 }') min with zstd," \
  "$(awk -v s="$UNPACKED" -v n="$ROOM" -v w="$WIFI_MBIT" 'BEGIN { printf "%.1f", s * n * 8 / (w * 1e6) / 60 }') min uncompressed"

echo "== $CLIENTS concurrent fetches from one serve (download + check)"
t0=$(now)
pids=()
for i in $(seq "$CLIENTS"); do
  mkdir -p "$WORK/client$i"
  "$MINIK" bundle fetch "http://127.0.0.1:$PORT" -o "$WORK/client$i/bundle.minik" --sha256 "$DIGEST" --no-load -q &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
t1=$(now)
for i in $(seq "$CLIENTS"); do cmp -s "$WORK/room.minik" "$WORK/client$i/bundle.minik"; done
FETCH=$(secs "$t0" "$t1")
echo "fetch: $CLIENTS clients x $((SIZE / 1000000)) MB in $FETCH s," \
  "$(awk -v s="$SIZE" -v n="$CLIENTS" -v t="$FETCH" 'BEGIN { printf "%.0f", s * n / t / 1e6 }') MB/s in all"
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
for i in $(seq 2 "$CLIENTS"); do rm -rf "$WORK/client$i"; done

echo "== bundle on disk -> 3 nodes Ready (no image in the engine beforehand)"
export KUBECONFIG=$WORK/kubeconfig
docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 && { echo "$NODE_IMAGE should be absent" >&2; exit 1; }
t0=$(now)
"$MINIK" create --bundle "$WORK/client1/bundle.minik" --sha256 "$DIGEST" --name "$CLUSTER" --nodes 3 -q
t1=$(now)
READY=$(kubectl get nodes --no-headers | awk '$2 == "Ready"' | wc -l)
echo "create --bundle: $(secs "$t0" "$t1") s, $READY nodes Ready"
"$MINIK" delete --name "$CLUSTER" -q

echo "== the same create with the node image already present (no bundle)"
t0=$(now)
"$MINIK" create --image "$NODE_IMAGE" --name "$CLUSTER-plain" --nodes 3 -q
t1=$(now)
echo "create: $(secs "$t0" "$t1") s"
