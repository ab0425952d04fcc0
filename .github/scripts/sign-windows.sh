#!/usr/bin/env bash
# Authenticode signing of minik.exe (Git Bash on the Windows runner), because Windows 11's Smart
# App Control blocks unsigned executables with no per-file override. It runs only when the
# repository has the secrets; without them it says so (a warning on the run's page) and the exe
# stays unsigned. The certificate comes as a base64 PFX; a cloud signing service (Azure Trusted
# Signing) would replace the signtool line below.
# Environment: WINDOWS_CERTIFICATE (base64 .pfx), WINDOWS_CERTIFICATE_PASSWORD,
#   WINDOWS_TIMESTAMP_URL (optional; default DigiCert's RFC 3161 server).
# Usage: sign-windows.sh BINARY.exe
set -euo pipefail
bin=${1:?usage: sign-windows.sh BINARY.exe}

if [[ -z ${WINDOWS_CERTIFICATE:-} ]]; then
  echo "::warning title=Windows binary not signed::WINDOWS_CERTIFICATE is not configured; $bin is not Authenticode-signed"
  exit 0
fi

# The newest x64 signtool of the installed Windows SDKs.
signtool=$(find "/c/Program Files (x86)/Windows Kits/10/bin" -path '*/x64/signtool.exe' 2>/dev/null |
  sort -V | tail -n 1)
if [[ -z $signtool ]]; then
  echo "sign-windows: signtool.exe not found under the Windows SDK" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%s' "$WINDOWS_CERTIFICATE" | base64 --decode >"$work/cert.pfx"
"$signtool" sign /fd SHA256 /td SHA256 \
  /tr "${WINDOWS_TIMESTAMP_URL:-http://timestamp.digicert.com}" \
  /f "$(cygpath -w "$work/cert.pfx")" /p "${WINDOWS_CERTIFICATE_PASSWORD:-}" "$(cygpath -w "$bin")"
"$signtool" verify /pa "$(cygpath -w "$bin")"
