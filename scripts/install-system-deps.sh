#!/usr/bin/env bash
# Installs the Debian packages that optional test legs and benchmarks use: libfec (reference
# Reed-Solomon and Viterbi codecs for cross-checks), a C compiler for the small harness that
# calls it, and chromium (the browser that the web console's end-to-end tests drive through
# playwright-core; never a downloaded browser) and openssl (the command that makes the
# certificates of the TLS tests: TCPCL and the web console). Needs root (or sudo); without either it prints
# what is missing and the legs skip.
set -uo pipefail
need=()
[ -e /usr/include/fec.h ] || need+=(libfec-dev)
ldconfig -p 2>/dev/null | grep -q 'libfec.so.0' || need+=(libfec0)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system packages missing (${need[*]}) and not root: their test legs will skip"
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "apt-get update failed; trying the install anyway"
if ! $SUDO apt-get install -y -qq "${need[@]}"; then
  echo "could not install ${need[*]}: their test legs will skip"
fi
exit 0
