#!/usr/bin/env bash
# Packs one release archive: minik-<target>/ with the binary and the README, as .tar.gz (.zip
# for a Windows .exe), and its SHA-256 in the two-space "<hash>  <name>" form everywhere (Git
# Bash's sha256sum would write "*name" on Windows), so one SHA256SUMS can be made and checked.
# No version in the name, so releases/latest/download/<name> links stay the same.
# Usage: pack.sh TARGET BINARY README DIST   (prints the archive's path)
set -euo pipefail
if (($# != 4)); then
  echo "usage: pack.sh TARGET BINARY README DIST" >&2
  exit 2
fi
target=$1 bin=$2 readme=$3 dist=$4
name="minik-$target"

rm -rf "${dist:?}/$name"
mkdir -p "$dist/$name"
cp "$bin" "$readme" "$dist/$name/"
cd "$dist"
if [[ $bin == *.exe ]]; then
  archive="$name.zip"
  7z a -tzip "$archive" "$name" >/dev/null
else
  archive="$name.tar.gz"
  tar -czf "$archive" "$name"
fi
if command -v sha256sum >/dev/null; then
  digest=$(sha256sum "$archive")
else
  digest=$(shasum -a 256 "$archive")
fi
printf '%s  %s\n' "${digest%% *}" "$archive" >"$archive.sha256"
echo "$dist/$archive"
