#!/usr/bin/env bash
# Installs what the conformance suite (conformance/) needs to run the ORIGINAL Flask Batteries
# Included beside fbi: Debian's python3 packages, through shared/oracle/setup.sh (apt-get; idempotent).
# CI lays shared/ beside the checkout. A machine without it fails here, loudly, and the suite itself
# fails too: the conformance tests never skip.
set -euo pipefail
# A command that fails under set -e ends the script without a word: say which line and how.
trap 'echo "oracle-setup.sh: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
cd "$(dirname "$0")/.."
setup="${FBI_ORACLE_DIR:-../shared/oracle}/setup.sh"
if [ ! -f "$setup" ]; then
  echo "::: $setup not found: the conformance suite needs shared/oracle beside the checkout" >&2
  exit 1
fi
sh "$setup"
