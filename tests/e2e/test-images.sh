#!/usr/bin/env bash
# TEST ONLY. Sourced by prepare.sh. Builds what the Kubernetes stand-in needs to run pods on the
# test nodes' real containerd:
#   build_cri_client        tests/cri-client (minik-test-cri, a CRI client; Debian has no crictl)
#   build_lab_images        the images the tour's labs run, under their real names (not
#                           preloaded: a learner loads them, `minik load docker-image`), e.g.
#                           agnhost with netexec (test-images/agnhost); LAB_IMAGES lists them;
#                           also saved as $CACHE/lab-images.tar for the e2e tests
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

# The built-in labs' images (src/tour/labs/*.yaml), stand-ins under the real names. Nothing here
# pretends: each is the real program the lab relies on, or says what it stands in for.
#   registry.k8s.io/e2e-test-images/busybox:1.36.1-1  Debian's busybox (1.35) under the e2e
#     image's name: the scheduling lab runs sleep, sh, head and tail in it, and its OOM step's
#     `head -c 64m /dev/zero | tail` really fills memory (busybox tail keeps a line-less input).
LAB_BUSYBOX_IMAGE=registry.k8s.io/e2e-test-images/busybox:1.36.1-1

build_lab_busybox_image() {
  build_busybox_image
  docker build -q -t "$LAB_BUSYBOX_IMAGE" -f - "$TEST_IMAGES_DIR" >/dev/null <<DOCKERFILE
FROM $BUSYBOX_IMAGE
LABEL io.minik.test.stand-in-for=$LAB_BUSYBOX_IMAGE
CMD ["sh"]
DOCKERFILE
  log "lab images: $LAB_BUSYBOX_IMAGE"
}

# The labs' images (src/tour/labs/*.yaml), as test doubles under their real names. They are not
# in the node image: like a learner without internet, a test runs
# `minik load docker-image NAME` for each. Rebuilt when their files change (a hash label).
# agnhost:2.52 is the same double under the tag the rollout lab updates to.
LAB_IMAGES=(registry.k8s.io/e2e-test-images/agnhost:2.53 registry.k8s.io/e2e-test-images/agnhost:2.52)
LAB_IMAGE_LABEL=io.minik.test.stand-in-for

# lab_busybox OUT: OUT/rootfs with Debian's dynamically linked busybox and the glibc it links.
# Not busybox-static: a static glibc cannot load the name service modules, so its wget and
# ping crash (SIGSEGV) on any host name, and the labs' clients call Services by name. Fetched
# once (apt-get download in a container of the base image, the host's apt untouched).
lab_busybox() {
  local out=$1 mirror
  [[ -x $out/rootfs/bin/busybox ]] && return 0
  mirror=$(host_mirror)
  rm -rf "$out.part"
  mkdir -p "$out.part/rootfs"
  docker run --rm -v "$out.part/rootfs:/out" -w /tmp --entrypoint sh "$BASE_IMAGE" -c "
    echo 'deb ${mirror:-http://deb.debian.org/debian} $SUITE main' >/etc/apt/sources.list &&
    apt-get -qq update && apt-get -qq download busybox && dpkg-deb -x busybox_*.deb /tmp/bb &&
    mkdir -p /out/bin /out/tmp /out/etc && cp \$(find /tmp/bb -type f -path '*bin/busybox') /out/bin/ &&
    for l in \$(ldd /out/bin/busybox | grep -o '/[^ ]*'); do
      mkdir -p /out\$(dirname \$l) && cp -L \$l /out\$l; done &&
    chmod 1777 /out/tmp" >"$CACHE/lab-busybox.log" 2>&1 ||
    { tail -n 20 "$CACHE/lab-busybox.log" >&2; die "fetching Debian's busybox failed"; }
  "$out.part/rootfs/bin/busybox" --list >/dev/null 2>&1 || true
  rm -rf "$out"
  mv "$out.part" "$out"
}

build_lab_images() {
  local ctx hash dir=$CACHE/lab-busybox
  build_lab_busybox_image
  lab_busybox "$dir"
  hash=$( (cat "$TEST_IMAGES_DIR"/agnhost "$TEST_IMAGES_DIR"/netexec-handler
    find "$dir/rootfs" -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-16)
  if [[ $(image_label "${LAB_IMAGES[0]}" io.minik.test.inputs) == "$hash" ]]; then
    log "${LAB_IMAGES[0]} is current"
    tag_lab_images
    save_lab_images "$hash"
    return 0
  fi
  ctx=$(mktemp -d "$CACHE/lab-images.XXXXXX")
  cp -a "$dir/rootfs" "$ctx/rootfs"
  cp "$TEST_IMAGES_DIR"/agnhost "$TEST_IMAGES_DIR"/netexec-handler "$ctx/rootfs/"
  # applet links made here: the image has no shell until they exist
  for applet in $(docker run --rm -v "$ctx/rootfs:/r:ro" --entrypoint /r/bin/busybox \
    "$BASE_IMAGE" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$ctx/rootfs/bin/$applet"
  done
  # agnhost: ENTRYPOINT and CMD as the real image's; busybox as its Alpine base has
  tar -C "$ctx/rootfs" -c . | docker import \
    -c "LABEL $LAB_IMAGE_LABEL=\"${LAB_IMAGES[0]} (minik test double: busybox shell, tests/e2e/test-images/agnhost)\"" \
    -c "LABEL io.minik.test.inputs=$hash" -c 'EXPOSE 8080' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENTRYPOINT ["/agnhost"]' -c 'CMD ["pause"]' - "${LAB_IMAGES[0]}" >/dev/null
  rm -rf "$ctx"
  tag_lab_images
  log "lab images: ${LAB_IMAGES[*]}"
  save_lab_images "$hash"
}

# The lab images also as one archive, $CACHE/lab-images.tar, which the e2e tests load with
# `minik load image-archive`: a tag in the shared engine can be re-pointed by anyone building
# the same name, the archive of this build cannot.
save_lab_images() {
  local hash="$1 ${LAB_IMAGES[*]}" tar=$CACHE/lab-images.tar
  [[ -f $tar && $(cat "$tar.inputs" 2>/dev/null) == "$hash" ]] && return 0
  docker save -o "$tar.part" "${LAB_IMAGES[@]}"
  mv "$tar.part" "$tar"
  echo "$hash" >"$tar.inputs"
}

# The other names of the agnhost double (the rollout lab's second tag).
tag_lab_images() {
  local name
  for name in "${LAB_IMAGES[@]:1}"; do
    docker tag "${LAB_IMAGES[0]}" "$name"
  done
}
