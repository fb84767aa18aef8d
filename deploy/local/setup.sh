#!/usr/bin/env bash
# Everything a fresh machine needs before natszk runs: nats-server (Debian package), the npm
# dependencies, and the build; with --tests also what the tests use (shellcheck, zookeeper's
# zkCli.sh, python3-kazoo, a JDK and Apache Curator's jars, the C client's cli_mt). Safe to run
# again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then missing+=(nats-server); fi
if [ "${1:-}" = "--tests" ] && ! command -v shellcheck >/dev/null 2>&1; then missing+=(shellcheck); fi
# The gateway tests drive real ZooKeeper clients: zkCli.sh (Debian package zookeeper) and kazoo.
if [ "${1:-}" = "--tests" ] && [ ! -x /usr/share/zookeeper/bin/zkCli.sh ]; then missing+=(zookeeper); fi
if [ "${1:-}" = "--tests" ] && ! /usr/bin/python3 -c 'import kazoo' >/dev/null 2>&1; then missing+=(python3-kazoo); fi
# Apache Curator's recipes (Java, compiled by the test with javac) and the C client's cli_mt.
if [ "${1:-}" = "--tests" ] && ! command -v javac >/dev/null 2>&1; then missing+=(default-jdk-headless); fi
for pkg in libcurator-client-java libcurator-framework-java libcurator-recipes-java; do
  jar="/usr/share/java/${pkg#lib}"
  if [ "${1:-}" = "--tests" ] && [ ! -f "${jar%-java}.jar" ]; then missing+=("$pkg"); fi
done
if [ "${1:-}" = "--tests" ] && [ ! -x /usr/lib/zookeeper/bin/cli_mt ]; then missing+=(zookeeper-bin); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund
fi

echo "setup: building" >&2
npx tsc -p .
