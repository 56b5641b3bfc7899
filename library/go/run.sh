#!/bin/sh
# run.sh FILE.go [ARGS...] -- build a Go job's file and run the program in place of this script.
#
# Odin's wrapper runs Go jobs through this instead of `go run`, so the job's exit code, signals and stderr are the
# program's own (`go run` turns every failure into exit status 1 and prints "exit status N"). The build finds
# the odin.local/odin module through the workspace file beside this script unless the job's folder has its own
# go.mod or GOWORK is set. ODIN_GO names the go command (default: go on PATH).
set -eu
go=${ODIN_GO:-go}
[ $# -ge 1 ] || { echo "usage: run.sh FILE.go [ARGS...]" >&2; exit 2; }
src=$1
shift
case $src in /*) ;; *) src=$PWD/$src ;; esac
here=$(cd "$(dirname "$0")" && pwd)

if [ -z "${GOWORK+set}" ] && [ ! -f "$(dirname "$src")/go.mod" ]; then
  export GOWORK="$here/odin.work"
fi
# A system service has no HOME: Go then needs its cache placed explicitly.
cache=${XDG_CACHE_HOME:-${HOME:+$HOME/.cache}}
if [ -z "$cache" ]; then
  cache=${CACHE_DIRECTORY:-/var/cache/odin}
  [ -n "${GOCACHE-}" ] || export GOCACHE="$cache/go-build"
fi
name=$(basename "$src" .go)-$(printf '%s' "$src" | cksum | cut -d ' ' -f 1)
bin="$cache/odin/go-bin/$name"
mkdir -p "$(dirname "$bin")"
"$go" build -o "$bin" "$src"
exec "$bin" "$@"
