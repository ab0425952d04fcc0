#!/usr/bin/env bash
# A release tag must name the version the binary reports (`minik version`, and bundles record
# it), so `v0.2.0` with Cargo.toml still at 0.1.0 stops the release before anything is built.
# Usage: check-tag-version.sh TAG [CARGO_TOML]   (exit 1 on a mismatch, 2 on bad input)
set -euo pipefail

if (($# < 1 || $# > 2)); then
  echo "usage: check-tag-version.sh TAG [CARGO_TOML]" >&2
  exit 2
fi
tag=$1
manifest=${2:-Cargo.toml}

# The first `version = "…"` of the [package] table (the crate's own, not a dependency's).
version=$(awk '
  /^\[/ { in_package = ($0 == "[package]") }
  in_package && /^version[[:space:]]*=/ {
    sub(/^version[[:space:]]*=[[:space:]]*"/, ""); sub(/".*$/, ""); print; exit
  }' "$manifest")
if [[ -z $version ]]; then
  echo "check-tag-version: no [package] version in $manifest" >&2
  exit 2
fi
if [[ $tag != "v$version" ]]; then
  echo "check-tag-version: tag $tag does not match $manifest's version $version;" \
    "tag v$version, or bump the version and tag again" >&2
  exit 1
fi
echo "check-tag-version: tag $tag matches $manifest's version $version"
