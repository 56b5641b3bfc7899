#!/bin/bash
# setup.sh -- install what Odin, its tests and its demo need on a fresh Debian 12 machine (run as root).
# Debian packages: the Pushgateway and Prometheus, headers to build pystemd, Go and Chromium for the
# in-job library and dashboard tests. Then a venv in .venv with Odin installed editable with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."
APT=(libsystemd-dev pkg-config gcc prometheus-pushgateway prometheus golang-go chromium chromium-driver sqlite3 curl
     nodejs)
missing=()
for p in "${APT[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's postinst may try to start these on the host; the sandbox runs its own.
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c 'import odin, lark, typer, yaml, pystemd, prometheus_client, flask' \
  || { echo "setup: the Python environment is incomplete" >&2; exit 1; }
echo "setup: ready (.venv)"
