#!/usr/bin/env bash
# Installs the natszk systemd units on this host: the natszk system user, its data
# directory, /etc/natszk/natszk.json (only when there is none yet) and the unit files.
# The natszk command itself comes from the package: npm install -g --prefix /usr natszk
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "install.sh: must be run as root (try: sudo $0)" >&2
  exit 1
fi

here=$(cd "$(dirname "$0")" && pwd)

if ! id -u natszk >/dev/null 2>&1; then
  useradd --system --user-group --home-dir /var/lib/natszk --no-create-home --shell /usr/sbin/nologin natszk
fi

install -d -o natszk -g natszk -m 0750 /var/lib/natszk
# The config may hold NATS passwords or tokens: readable by the service, not by everyone.
install -d -o root -g natszk -m 0750 /etc/natszk
if [[ ! -e /etc/natszk/natszk.json ]]; then
  install -o root -g natszk -m 0640 "$here/natszk.json.example" /etc/natszk/natszk.json
  echo "wrote /etc/natszk/natszk.json from the example: set your NATS urls and credentials in it"
fi

install -o root -g root -m 0644 "$here/natszk-server@.service" "$here/natszk-session@.service" /etc/systemd/system/
systemctl daemon-reload

if [[ ! -x /usr/bin/natszk ]]; then
  echo "note: /usr/bin/natszk is missing; the units run it (npm install -g --prefix /usr natszk)" >&2
fi
echo "installed; start with e.g. systemctl enable --now natszk-server@1 natszk-session@9465"
