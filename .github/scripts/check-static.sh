#!/usr/bin/env bash
# Refuses a Linux binary that needs a dynamic loader or shared libraries, because a workshop
# attendee's distribution may lack the libc it was linked against. It reads the ELF headers
# instead of `file`'s wording: Rust's x86_64 musl binaries are static-pie ("static-pie linked"),
# aarch64's plain static ("statically linked"), and both run with nothing else installed.
# Static means: no PT_INTERP program header (no loader) and no DT_NEEDED entry (no library).
# A static-pie binary keeps a DYNAMIC segment for relocating itself; that alone is fine.
# Usage: check-static.sh BINARY...   (exit 1 if one is not static, 2 on bad input)
set -euo pipefail

if (($# == 0)); then
  echo "usage: check-static.sh BINARY..." >&2
  exit 2
fi

status=0
for bin in "$@"; do
  if ! headers=$(LC_ALL=C readelf --program-headers --wide -- "$bin" 2>&1); then
    echo "check-static: $bin: not a readable ELF file: $headers" >&2
    exit 2
  fi
  if grep -qE '^[[:space:]]*INTERP[[:space:]]' <<<"$headers"; then
    echo "check-static: $bin is dynamically linked: it names a program interpreter (PT_INTERP)" >&2
    status=1
    continue
  fi
  needed=$(LC_ALL=C readelf --dynamic --wide -- "$bin" | grep -F '(NEEDED)' || true)
  if [[ -n $needed ]]; then
    echo "check-static: $bin needs shared libraries:" >&2
    echo "$needed" >&2
    status=1
    continue
  fi
  echo "check-static: $bin is static (no interpreter, no shared libraries)"
done
exit "$status"
