#!/usr/bin/env bash
# Tests of the release workflow's own scripts, on binaries built here, because their first real
# run is otherwise on tag day. check-static.sh must accept a plain static and a static-pie binary
# (what Rust's musl targets make) and refuse a dynamic one; check-tag-version.sh must accept only
# the tag v<Cargo.toml version>; pack.sh must make the README's layout. Needs gcc with static libc (libc6-dev on Debian) and readelf.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

expect() { # WANT_EXIT DESCRIPTION COMMAND...
  local want=$1 what=$2 got=0
  shift 2
  "$@" >"$work/out" 2>&1 || got=$?
  if ((got == want)); then
    echo "ok   $what"
  else
    echo "FAIL $what: exit $got, want $want" >&2
    sed 's/^/     /' "$work/out" >&2
    failures=$((failures + 1))
  fi
}

printf 'int main(void) { return 0; }\n' >"$work/main.c"
gcc -O1 -static -no-pie -o "$work/static" "$work/main.c"
gcc -O1 -static-pie -o "$work/static-pie" "$work/main.c"
gcc -O1 -o "$work/dynamic" "$work/main.c"
# The premise of the static-pie case: `file` would not call it "statically linked".
if command -v file >/dev/null && file "$work/static-pie" | grep -q 'statically linked'; then
  echo "note: this file(1) calls static-pie 'statically linked'" >&2
fi

expect 0 "check-static accepts a static binary" "$here/check-static.sh" "$work/static"
expect 0 "check-static accepts a static-pie binary" "$here/check-static.sh" "$work/static-pie"
expect 1 "check-static refuses a dynamic binary" "$here/check-static.sh" "$work/dynamic"
expect 1 "check-static refuses a dynamic one among static ones" \
  "$here/check-static.sh" "$work/static" "$work/dynamic"
# Rust's own static-pie (crt-static, what its x86_64 musl target makes), when rustc is here.
if command -v rustc >/dev/null; then
  printf 'fn main() {}\n' >"$work/main.rs"
  rustc -C target-feature=+crt-static -o "$work/rust-static-pie" "$work/main.rs"
  expect 0 "check-static accepts Rust's static-pie binary" \
    "$here/check-static.sh" "$work/rust-static-pie"
fi
expect 2 "check-static refuses a file that is not ELF" "$here/check-static.sh" "$work/main.c"
expect 2 "check-static needs a binary" "$here/check-static.sh"

printf '[package]\nname = "x"\nversion = "1.2.3"\n\n[dependencies]\nversion = "9.9.9"\n' \
  >"$work/Cargo.toml"
expect 0 "check-tag-version accepts v<version>" \
  "$here/check-tag-version.sh" v1.2.3 "$work/Cargo.toml"
expect 1 "check-tag-version refuses another version" \
  "$here/check-tag-version.sh" v1.2.4 "$work/Cargo.toml"
expect 1 "check-tag-version refuses a tag without the v" \
  "$here/check-tag-version.sh" 1.2.3 "$work/Cargo.toml"
expect 1 "check-tag-version ignores a dependency's version" \
  "$here/check-tag-version.sh" v9.9.9 "$work/Cargo.toml"
expect 0 "check-tag-version reads this repository's Cargo.toml" \
  "$here/check-tag-version.sh" "v$(awk -F'"' '/^version/ {print $2; exit}' "$here/../../Cargo.toml")" \
  "$here/../../Cargo.toml"

# pack.sh: the README's layout (minik-<target>/minik) and a sum that sha256sum -c accepts.
cp "$work/static" "$work/minik"
printf 'readme\n' >"$work/README.md"
expect 0 "pack makes an archive" "$here/pack.sh" x86_64-unknown-linux-musl "$work/minik" \
  "$work/README.md" "$work/dist"
expect 0 "pack's archive holds minik-<target>/minik" \
  tar -tzf "$work/dist/minik-x86_64-unknown-linux-musl.tar.gz" minik-x86_64-unknown-linux-musl/minik
# shellcheck disable=SC2016 # $1 is the inner shell's argument
expect 0 "pack's sum checks" bash -c 'cd "$1" && sha256sum -c minik-x86_64-unknown-linux-musl.tar.gz.sha256' \
  _ "$work/dist"

if ((failures)); then
  echo "test-scripts: $failures failed" >&2
  exit 1
fi
echo "test-scripts: all passed"
