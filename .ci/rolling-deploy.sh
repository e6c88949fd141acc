#!/usr/bin/env bash
# CI's short rolling deploy (bench/deploy, see its README): installs Debian's HAProxy when it is
# missing, checks bench/deploy/haproxy.cfg with `haproxy -c`, then runs the harness's short form:
# three instances of the example service started together on a fresh database of the test
# PostgreSQL, HAProxy in front, fixed-rate mixed traffic, two full replacement rounds. About a
# minute; bounded by the harness's own watchdog and by `timeout` here. Needs `pnpm build` first.
# Exits non-zero on any failed request, connection reset, lost write, retry by HAProxy, migration
# not applied exactly once, or instance that did not exit 0; then checks that the harness fails
# when instances are killed instead of drained (about 25 s more).
set -euo pipefail
# A command that fails under set -e ends the script without a word: say which line and how.
trap 'echo "rolling-deploy.sh: line $LINENO: \"$BASH_COMMAND\" exited $?" >&2' ERR
cd "$(dirname "$0")/.."

if ! command -v haproxy >/dev/null 2>&1; then
  echo "rolling-deploy.sh: installing haproxy (apt-get)" >&2
  # Debian's package also installs a system service; it is not used (policy-rc.d may keep it from
  # starting, and it would serve an empty default configuration anyway).
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy >&2
fi
# sed reads all of -v's output: `head -1` exits after the first line, and HAProxy, writing its
# next lines into the closed pipe, dies of SIGPIPE now and then (141 under pipefail: a silent CI failure).
haproxy -v | sed -n 1p

# The configuration as the harness runs it, with placeholder ports: a syntax or keyword error fails here.
FBI_DEPLOY_RUN_DIR=/tmp FBI_DEPLOY_FRONTEND_PORT=1 FBI_DEPLOY_PORT_1=2 FBI_DEPLOY_PORT_2=3 FBI_DEPLOY_PORT_3=4 \
  haproxy -c -q -f bench/deploy/haproxy.cfg

timeout 180 node bench/deploy/rolling-deploy.mjs --short

# The negative control: instances killed (SIGKILL) instead of drained must fail the harness, or it
# could not see what it is there to see.
if timeout 120 node bench/deploy/rolling-deploy.mjs --short --rounds 1 --signal SIGKILL >/tmp/fbi-rolling-deploy-sigkill.log 2>&1; then
  echo "rolling-deploy.sh: the SIGKILL control passed: the harness does not detect undrained instances" >&2
  cat /tmp/fbi-rolling-deploy-sigkill.log >&2
  exit 1
fi
echo "rolling-deploy.sh: the SIGKILL control failed, as it must:"
grep -E '^- |^rolling deploy:' /tmp/fbi-rolling-deploy-sigkill.log | cut -c1-200
