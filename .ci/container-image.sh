#!/usr/bin/env bash
# The example's container image (examples/patients-service/Dockerfile), checked on a machine with
# or without a Docker engine: bench/deploy/check-image.mjs lints the Dockerfile (dockerfile-utils)
# and checks its stages, runs the build stage's commands on a copy of the build context, starts
# what the final stage would hold as uid 1000 against the test PostgreSQL under strace (no file
# written: a read-only root filesystem holds), and runs `docker build` only when `docker info`
# succeeds. Needs `pnpm install` and `pnpm build` first; installs strace (Debian) when missing.
set -euo pipefail
# A command that fails under set -e ends the script without a word: say which line and how.
trap 'echo "container-image.sh: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
cd "$(dirname "$0")/.."

if ! command -v strace >/dev/null 2>&1; then
  echo "container-image.sh: installing strace (apt-get)" >&2
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends strace >&2
fi
timeout 1500 node bench/deploy/check-image.mjs
