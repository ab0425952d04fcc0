#!/usr/bin/env bash
# Developer ID signing and notarization of the macOS binary, so a browser download that
# Gatekeeper quarantines still opens. It runs only when the repository has the secrets; without
# them it says so (a warning on the run's page) and the binary keeps the linker's ad-hoc
# signature, which Gatekeeper refuses after a browser download (`curl -fLO` avoids quarantine).
# A bare binary cannot be stapled: Gatekeeper looks the notarization ticket up online.
# Environment: MACOS_CERTIFICATE (base64 .p12), MACOS_CERTIFICATE_PASSWORD,
#   MACOS_SIGNING_IDENTITY ("Developer ID Application: Name (TEAMID)"); for notarization
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD (an app-specific password).
# Usage: sign-macos.sh BINARY
set -euo pipefail
bin=${1:?usage: sign-macos.sh BINARY}

if [[ -z ${MACOS_CERTIFICATE:-} || -z ${MACOS_SIGNING_IDENTITY:-} ]]; then
  echo "::warning title=macOS binary not signed::MACOS_CERTIFICATE or MACOS_SIGNING_IDENTITY is not configured; $bin keeps its ad-hoc signature and is not notarized"
  exit 0
fi

work=$(mktemp -d)
keychain="$work/signing.keychain-db"
keychain_password=$(openssl rand -hex 16)
cleanup() {
  security delete-keychain "$keychain" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A throwaway keychain holds the certificate for this job only.
printf '%s' "$MACOS_CERTIFICATE" | base64 --decode >"$work/cert.p12"
security create-keychain -p "$keychain_password" "$keychain"
security set-keychain-settings -lut 900 "$keychain"
security unlock-keychain -p "$keychain_password" "$keychain"
security import "$work/cert.p12" -k "$keychain" -P "${MACOS_CERTIFICATE_PASSWORD:-}" \
  -T /usr/bin/codesign
security set-key-partition-list -S apple-tool:,apple: -s -k "$keychain_password" "$keychain" \
  >/dev/null
security list-keychains -d user -s "$keychain"

# The hardened runtime and a secure timestamp are what notarization requires.
codesign --force --options runtime --timestamp --keychain "$keychain" \
  --sign "$MACOS_SIGNING_IDENTITY" "$bin"
codesign --verify --strict --verbose=2 "$bin"

if [[ -z ${APPLE_ID:-} || -z ${APPLE_TEAM_ID:-} || -z ${APPLE_APP_PASSWORD:-} ]]; then
  echo "::warning title=macOS binary not notarized::APPLE_ID, APPLE_TEAM_ID or APPLE_APP_PASSWORD is not configured; $bin is signed but not notarized"
  exit 0
fi
ditto -c -k --keepParent "$bin" "$work/notarize.zip"
xcrun notarytool submit "$work/notarize.zip" --wait \
  --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD"
