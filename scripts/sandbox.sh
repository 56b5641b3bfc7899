#!/bin/bash
# sandbox.sh -- boot a private systemd for Odin's tests and demo on machines where systemd is not PID 1.
#
#   scripts/sandbox.sh up [NAME]          boot instance NAME (default: odin); idempotent
#   scripts/sandbox.sh exec NAME CMD...   run CMD inside it (systemctl, journalctl, odin behave as on a server)
#   scripts/sandbox.sh down [NAME]        power it off (its units and timer stamps stay, like a reboot)
#   scripts/sandbox.sh reset [NAME]       power it off and forget its units, job directories and stamps
#   scripts/sandbox.sh env [NAME]         print the path of its environment file
#
# systemd runs as PID 1 of new pid/mount/cgroup/uts/ipc namespaces. Host network and root filesystem are shared;
# /run, /dev, /etc/systemd/system, /var/lib/systemd, /var/lib/odin and /etc/odin are private to the instance:
# the last four are kept on disk under /var/lib/odin-sandbox/NAME so that an enabled timer survives down + up.
# Nothing here touches the host's /tmp, journal or services. A Prometheus Pushgateway runs inside as
# odin-pushgateway.service on a loopback port chosen at the first up and kept in STATE/pushgateway-port
# (ODIN_PGW_PORT overrides it), so that deployed units, which carry its URL, still reach it after down + up.
set -euo pipefail

cmd=${1:-up}
name=${2:-odin}
[[ $name =~ ^[a-z0-9-]{1,32}$ ]] || { echo "sandbox: bad instance name '$name'" >&2; exit 2; }
RUN=/run/odin-sandbox-$name                 # host path of the instance's /run
STATE=/var/lib/odin-sandbox/$name           # host path of its persistent state
PIDF=$RUN.pid
ENVF=$RUN.env
CG=/sys/fs/cgroup/unified
[ -d $CG ] || CG=/sys/fs/cgroup
CG=$CG/odin-sandbox-$name
PERSISTENT=(etc/systemd/system var/lib/systemd var/lib/odin etc/odin)

alive() { [ -s "$PIDF" ] && [ "$(cat /proc/"$(cat "$PIDF")"/comm 2>/dev/null)" = systemd ]; }
inside() { nsenter -t "$(cat "$PIDF")" -a "$@"; }

down() {
  if alive; then
    local pid; pid=$(cat "$PIDF")
    kill -s SIGRTMIN+4 "$pid"                                  # orderly poweroff
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$pid" 2>/dev/null || kill -9 "$pid"            # killing PID 1 of the namespace kills all inside
  fi
  rm -f "$PIDF" "$ENVF"
  if mountpoint -q "$RUN"; then umount "$RUN" 2>/dev/null || umount -l "$RUN"; fi
  rmdir "$RUN" 2>/dev/null || true
  [ ! -d "$CG" ] || find "$CG" -depth -type d -exec rmdir {} \; 2>/dev/null || true
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Whether a loopback port can be listened on (as the Pushgateway does, with SO_REUSEADDR).
port_free() {
  python3 -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: sys.exit(1)' "$1"
}

# The instance's Pushgateway port: chosen once and kept in its state, because deployed units carry the URL.
pushgateway_port() {
  local file=$STATE/pushgateway-port port=${ODIN_PGW_PORT:-} kept=""
  if [ -z "$port" ] && [ -s "$file" ]; then
    kept=$(cat "$file")
    port_free "$kept" && port=$kept
  fi
  port=${port:-$(free_port)}
  if [ -n "$kept" ] && [ "$port" != "$kept" ]; then
    echo "sandbox: port $kept of the Pushgateway is taken by another program; it now listens on $port," \
      "and jobs deployed before still push to $kept until they are deployed again" >&2
  fi
  echo "$port" > "$file"
  echo "$port"
}

write_runtime_config() {
  local units=$RUN/systemd/system
  mkdir -p "$units/systemd-tmpfiles-setup.service.d" "$RUN/systemd/journald.conf.d"
  # Runtime masks: nothing inside may touch the host's kernel settings, devices, clock, packages or logs.
  for u in systemd-{modules-load,sysctl,udevd,udev-trigger,udev-settle,timesyncd,remount-fs,pstore}.service \
    systemd-{binfmt,sysusers,firstboot,repart,hwdb-update,logind,update-utmp,update-utmp-runlevel}.service \
    systemd-udevd-{control,kernel}.socket systemd-journald-audit.socket proc-sys-fs-binfmt_misc.automount \
    kmod-static-nodes.service getty@tty1.service console-getty.service systemd-tmpfiles-clean.timer \
    apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer man-db.timer e2scrub_all.timer \
    fstrim.timer logrotate.timer; do
    ln -sfn /dev/null "$units/$u"
  done
  # The stock tmpfiles setup would empty /tmp, which is the host's: only /run may be created.
  printf '[Service]\nExecStart=\nExecStart=systemd-tmpfiles --create --boot --prefix=/run\n' \
    > "$units/systemd-tmpfiles-setup.service.d/odin.conf"
  printf '[Journal]\nStorage=volatile\nReadKMsg=no\nRateLimitBurst=0\nRateLimitIntervalSec=0\n' \
    > "$RUN/systemd/journald.conf.d/odin.conf"
  printf '[Unit]\nDescription=Odin sandbox\nRequires=sysinit.target dbus.socket dbus.service\n%s\n' \
    'Wants=timers.target
After=dbus.service' > "$units/odin-sandbox.target"
}

# The sandbox's PID 1 runs this before becoming systemd: private /run, /dev, state directories, read-only /sys.
init_script() {
  local binds=""
  for p in "${PERSISTENT[@]}"; do binds+="mkdir -p /$p; mount --bind $STATE/$p /$p; "; done
  cat <<INIT
set -eu
mount --bind $RUN /run
$binds
mount -t tmpfs -o mode=755,nosuid odin-dev /dev
cd /dev
mknod -m666 null c 1 3; mknod -m666 zero c 1 5; mknod -m666 full c 1 7
mknod -m666 random c 1 8; mknod -m666 urandom c 1 9; mknod -m666 tty c 5 0
mkdir pts shm; ln -s pts/ptmx ptmx; ln -s /proc/self/fd fd; ln -s fd/0 stdin; ln -s fd/1 stdout; ln -s fd/2 stderr
mount -t tmpfs -o mode=1777,nosuid,nodev shm shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts pts
cd /
mount --bind /sys /sys; mount -o remount,bind,ro,nosuid,nodev,noexec /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for p in /proc/sys /proc/sysrq-trigger; do
  [ ! -e \$p ] || { mount --bind \$p \$p; mount -o remount,bind,ro \$p; }
done
exec env -i container=odin-$name TERM=dumb /lib/systemd/systemd --system --unit=odin-sandbox.target
INIT
}

up() {
  if alive && [[ "$(inside systemctl is-system-running 2>/dev/null)" =~ ^(running|degraded)$ ]]; then
    echo "odin sandbox '$name' already up; env in $ENVF"; return 0
  fi
  command -v prometheus-pushgateway >/dev/null \
    || { echo "sandbox: prometheus-pushgateway is not installed; run scripts/setup.sh" >&2; exit 1; }
  down
  for p in "${PERSISTENT[@]}"; do mkdir -p "$STATE/$p"; done
  mkdir -p "$RUN" "$CG"
  mount -t tmpfs -o mode=755,size=256m "odin-run-$name" "$RUN"
  ln -s /run "$RUN/odin-sandbox-$name"           # the host path of /run stays valid inside
  write_runtime_config
  local log=$STATE/boot.log
  INIT=$(init_script) CGP=$CG setsid bash -c 'echo $$ > "$CGP/cgroup.procs"; exec unshare --fork --pid --mount \
    --cgroup --uts --ipc --propagation private --mount-proc --kill-child sh -c "$INIT"' </dev/null >"$log" 2>&1 &
  local launcher=$! pid=""
  for _ in $(seq 100); do
    pid=$(cat /proc/$launcher/task/$launcher/children 2>/dev/null || true); pid=${pid% }
    [ -n "$pid" ] && [ -S "$RUN/systemd/private" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] || { echo "sandbox: systemd failed to start, see $log" >&2; exit 1; }
  echo "$pid" > "$PIDF"
  if ! timeout 60 nsenter -t "$pid" -a systemctl is-system-running --wait >/dev/null; then
    inside systemctl --failed --no-pager >&2 || true
  fi
  local port; port=$(pushgateway_port)
  inside systemd-run -q --unit=odin-pushgateway -p Type=exec \
    /usr/bin/prometheus-pushgateway --web.listen-address=127.0.0.1:$port
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null \
    || { inside journalctl -u odin-pushgateway --no-pager >&2; echo "sandbox: pushgateway not up" >&2; exit 1; }
  cat > "$ENVF" <<ENV
export ODIN_SANDBOX_NAME=$name ODIN_SANDBOX_PID=$pid
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$RUN/dbus/system_bus_socket
export ODIN_JOURNAL_DIR=$RUN/log/journal ODIN_PUSHGATEWAY_URL=http://127.0.0.1:$port
ENV
  echo "odin sandbox '$name' up: systemd PID $pid, env in $ENVF"
}

case $cmd in
  up) up ;;
  down) down ;;
  reset) down; rm -rf "$STATE" ;;
  env) echo "$ENVF" ;;
  exec)
    shift 2
    alive || { echo "sandbox: instance '$name' is not up (scripts/sandbox.sh up $name)" >&2; exit 1; }
    # shellcheck disable=SC1090
    . "$ENVF"
    # Inside, the default bus is the sandbox's own, as on a server: the host-side address is not passed on.
    exec env -u DBUS_SYSTEM_BUS_ADDRESS nsenter -t "$ODIN_SANDBOX_PID" -a --wd="$PWD" "$@" ;;
  *) echo "usage: $0 up|down|reset|env|exec NAME [CMD...]" >&2; exit 2 ;;
esac
