#!/bin/bash
# demo.sh -- set up Odin on this machine and show it at work: deploy the examples, run one, list and inspect them.
# Where systemd is not PID 1 (containers, CI) it boots a private systemd (instance "demo") and works inside it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
  run() { "$@"; }
else
  scripts/sandbox.sh reset demo   # a clean instance each time: no units left from another checkout
  scripts/sandbox.sh up demo
  run() { scripts/sandbox.sh exec demo "$@"; }
fi
odin=(run .venv/bin/odin)
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

# Demo data: a cache with stale files, and a local page for the archiver to save.
mkdir -p /var/lib/odin-demo/cache
for i in 1 2 3; do echo "stale $i" > /var/lib/odin-demo/cache/old-$i.bin; done
touch -d '30 days ago' /var/lib/odin-demo/cache/old-*.bin
echo fresh > /var/lib/odin-demo/cache/fresh.bin
run systemctl is-active -q odin-demo-site.service 2>/dev/null \
  || run systemd-run -q --unit=odin-demo-site -p Type=exec --working-directory="$PWD/examples/site" \
       /usr/bin/python3 -m http.server --bind 127.0.0.1 8642

step odin schedule '"every 1st at 12:00 and every Friday at 17:00"' --count 4
"${odin[@]}" schedule "every 1st at 12:00 and every Friday at 17:00" --count 4
step odin deploy -f examples/
"${odin[@]}" deploy -f examples/
step odin run cache_pruner --wait
"${odin[@]}" run cache_pruner --wait || true
step odin run page_archiver --wait
"${odin[@]}" run page_archiver --wait || true
step odin list
"${odin[@]}" list
step odin status cache_pruner
"${odin[@]}" status cache_pruner || true   # exit 1 when the last run failed
step odin log cache_pruner
"${odin[@]}" log cache_pruner
step systemctl list-timers 'odin-*'
run systemctl list-timers --no-pager 'odin-*'
printf '\nThe jobs stay deployed. Dashboard: %s\n' "scripts/sandbox.sh exec demo .venv/bin/odin dashboard"
