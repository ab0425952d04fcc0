#!/usr/bin/env bash
# Build the offline "kubernetes dir" that `minik build node-image --kubernetes-dir OUT` consumes,
# using the Kubernetes STAND-IN (a test double, never part of the product; see README.md):
#
#   OUT/version                        one line, e.g. v1.35.0
#   OUT/bin/{kubeadm,kubelet,kubectl}  executable zips of standin.py and its sibling modules
#                                      (they dispatch on argv[0])
#   OUT/images/                        created if missing, left as is (other scripts add tars)
#
# --cri-client PATH puts the test CRI client (tests/cri-client) into the kubelet's zip; the
# stand-in kubelet extracts it in the node and drives containerd with it.
#
# Usage: make-kubernetes-dir.sh [--version vX.Y.Z] [--cri-client PATH] OUT
set -euo pipefail

usage() { echo "usage: $0 [--version vX.Y.Z] [--cri-client PATH] OUT" >&2; exit 2; }

version=v1.35.0
out=
cri_client=
while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || usage; version=$2; shift 2 ;;
    --version=*) version=${1#--version=}; shift ;;
    --cri-client) [ $# -ge 2 ] || usage; cri_client=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "unknown flag: $1" >&2; usage ;;
    *) [ -z "$out" ] || usage; out=$1; shift ;;
  esac
done
[ -n "$out" ] || usage
if ! [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "invalid version \"$version\" (want vMAJOR.MINOR.PATCH)" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$out/bin" "$out/images"
printf '%s\n' "$version" > "$out/version"
# Each tool is one executable zip (python3 -m zipapp) holding standin.py and its sibling modules,
# so the stand-in can be split into files and still install as a single binary per tool.
pkg=$(mktemp -d)
trap 'rm -rf "$pkg"' EXIT
for f in "$here"/*.py; do
  case "$(basename "$f")" in test_*) continue ;; esac
  cp "$f" "$pkg/"
done
sed -i "s/^VERSION = \"v[^\"]*\"/VERSION = \"$version\"/" "$pkg/standin_common.py"
grep -q "^VERSION = \"$version\"" "$pkg/standin_common.py" || { echo "failed to stamp the version" >&2; exit 1; }
printf 'import sys\nimport standin\nsys.exit(standin.main(sys.argv))\n' > "$pkg/__main__.py"
[ -z "$cri_client" ] || [ -x "$cri_client" ] || { echo "no executable $cri_client" >&2; exit 1; }
for tool in kubeadm kubelet kubectl; do
  tmp="$out/bin/.$tool.tmp"
  if [ "$tool" = kubelet ] && [ -n "$cri_client" ]; then
    cp "$cri_client" "$pkg/minik-test-cri"
  fi
  python3 -m zipapp "$pkg" -p '/usr/bin/env python3' -o "$tmp"
  rm -f "$pkg/minik-test-cri"
  chmod 0755 "$tmp"
  mv -f "$tmp" "$out/bin/$tool"
done
echo "kubernetes dir (stand-in $version) written to $out"
