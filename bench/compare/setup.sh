#!/usr/bin/env bash
# What the comparison needs beyond natszk's own set-up: Apache ZooKeeper (Debian package, with
# a Java runtime). nats-server, which JetStream KV runs on, the main set-up installs.
set -euo pipefail
if [ ! -f /usr/share/java/zookeeper.jar ]; then
  echo "bench: installing zookeeper with apt-get" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq zookeeper >/dev/null
fi
