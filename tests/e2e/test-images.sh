#!/usr/bin/env bash
# TEST ONLY. Sourced by prepare.sh. Builds what the Kubernetes stand-in needs to run pods on the
# test nodes' real containerd:
#   build_cri_client        tests/cri-client (minik-test-cri, a CRI client; Debian has no crictl)
#   add_test_images OUT     tiny busybox images tagged with the REAL image names the product
#                           preloads (kubeadm's images with its pause, the manifests' images),
#                           saved to OUT/images/ so `minik build node-image` imports them into
#                           containerd's k8s.io namespace. They are placeholders: the stand-in
#                           does the control plane's work in Python; kindnetd's stand-in writes
#                           the CNI config and routes (test-images/kindnetd). The etcd image is
#                           the exception: it holds Debian's real etcd and etcdctl (etcd_binaries).
# Needs: docker, cargo, minik.test/busybox:1.0 (prepare.sh build_busybox_image).

TEST_IMAGES_DIR=$REPO/tests/e2e/test-images

build_cri_client() {
  if ! command -v protoc >/dev/null; then # the k8s-cri crate compiles CRI's proto at build time
    log "installing protobuf-compiler"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      protobuf-compiler >/dev/null
  fi
  (cd "$REPO/tests/cri-client" && cargo build --profile tool --locked --quiet)
  CRI_CLIENT=$REPO/tests/cri-client/target/tool/minik-test-cri
  [[ -x $CRI_CLIENT ]] || die "no $CRI_CLIENT after cargo build"
}

# The images a node needs, by role: kubeadm's list (from the stand-in's own kubeadm; its pause
# image is the sandbox image `minik build node-image` writes into containerd's config, and the
# build refuses a folder without it) and the images the node-image manifests name.
test_image_names() {
  local out=$1
  "$out/bin/kubeadm" config images list
  grep -hoE '(image:|--helper-image)?[[:space:]]*[a-z0-9.-]+\.[a-z]+/[^[:space:]"]+:[^[:space:]"]+' \
    "$REPO"/node-image/manifests/*.yaml | awk '{print $NF}' | sed 's/^image://'
}

# Debian's etcd, etcdctl and etcdutl (packages etcd-server, etcd-client of the base image's suite)
# into DIR/etcd-bin. The packages are fetched once, in a container of the base image (the host's
# apt stays untouched), and kept in $CACHE/etcd-debs.
ETCD_PACKAGES=(etcd-server etcd-client)
etcd_binaries() {
  local dir=$1 debs=$CACHE/etcd-debs tree p
  if ! compgen -G "$debs/*.deb" >/dev/null; then
    mkdir -p "$debs.part"
    docker run --rm -v "$debs.part:/out" -w /out --entrypoint sh "$BASE_IMAGE" -c "
      apt-get -qq update && apt-get -qq download ${ETCD_PACKAGES[*]}" >"$CACHE/etcd-debs.log" 2>&1 ||
      { tail -n 20 "$CACHE/etcd-debs.log" >&2; die "downloading ${ETCD_PACKAGES[*]} failed"; }
    rm -rf "$debs"
    mv "$debs.part" "$debs"
  fi
  tree=$(mktemp -d "$CACHE/etcd.XXXXXX")
  for p in "$debs"/*.deb; do dpkg-deb -x "$p" "$tree"; done
  mkdir -p "$dir/etcd-bin"
  for p in etcd etcdctl etcdutl; do
    [[ -x $tree/usr/bin/$p ]] || die "usr/bin/$p is not in $(ls "$debs")"
    cp "$tree/usr/bin/$p" "$dir/etcd-bin/"
  done
  rm -rf "$tree"
  log "etcd: $(ls "$debs" | tr '\n' ' ')"
}

# The etcd image: busybox (a shell for `kubectl exec`), Debian's etcd binaries and the shared
# libraries they link (found with ldd in the base image they were built for).
build_etcd_image() {
  local image=$1 ctx=$2
  docker build -q -t "$image" -f - "$ctx" >/dev/null <<DOCKERFILE
FROM $BASE_IMAGE AS libs
COPY etcd-bin/ /usr/bin/
RUN mkdir /out && for b in etcd etcdctl etcdutl; do \
      ldd /usr/bin/\$b | awk '/\//{print \$(NF-1)}' | xargs -r cp -L --parents -t /out; done
FROM $BUSYBOX_IMAGE
COPY --from=libs /out/ /
COPY etcd-bin/ /usr/bin/
COPY etcd /usr/local/bin/etcd
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL io.minik.test.debian-etcd-for=$image
ENTRYPOINT ["/usr/local/bin/etcd"]
DOCKERFILE
}

add_test_images() {
  local out=$1 ctx names image entry
  ctx=$(mktemp -d "$CACHE/test-images.XXXXXX")
  cp "$TEST_IMAGES_DIR"/placeholder "$TEST_IMAGES_DIR"/kindnetd "$TEST_IMAGES_DIR"/etcd "$ctx/"
  etcd_binaries "$ctx"
  names=$(test_image_names "$out" | sort -u)
  [[ $names == *pause* && $names == *kindnetd* ]] || die "test image names incomplete: $names"
  while read -r image; do
    [[ -n $image ]] || continue
    if [[ $image == */etcd:* ]]; then
      build_etcd_image "$image" "$ctx"
      continue
    fi
    case $image in
      */pause:*) entry='"/pause"' ;;
      */kindnetd:*) entry='"/bin/kindnetd"' ;;
      */coredns:*) entry='"/coredns"' ;;
      *) entry='"/bin/placeholder"' ;;
    esac
    # Every image shares one layer (busybox + scripts); each has its own config (name label,
    # entrypoint), so containerd reports each container's image by its own name.
    docker build -q -t "$image" -f - "$ctx" >/dev/null <<DOCKERFILE
FROM $BUSYBOX_IMAGE
COPY placeholder kindnetd /bin/
RUN for n in pause coredns; do ln -s /bin/placeholder /\$n; done && \
    mkdir -p /usr/local/bin && for n in kube-apiserver kube-controller-manager kube-scheduler \
      kube-proxy local-path-provisioner; do ln -s /bin/placeholder /usr/local/bin/\$n; done
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL io.minik.test.placeholder-for=$image
ENTRYPOINT [$entry]
DOCKERFILE
  done <<<"$names"
  log "test images: $(echo $names)"
  # shellcheck disable=SC2046
  docker save -o "$out/images/minik-test-k8s-images.tar" $(echo "$names")
  rm -rf "$ctx"
}
