#!/bin/bash
# test.sh -- set up, test the sandbox script, boot a private systemd (instance "test"), run the whole test suite
# inside it, power it off.
# Extra arguments go to pytest: scripts/test.sh tests/unit -x
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1
if [ $# -eq 0 ]; then  # the sandbox script's own tests boot instances of their own, so they run out here
  .venv/bin/python -m pytest -p no:cacheprovider -q tests/sandbox || exit 1
fi
scripts/sandbox.sh reset test >/dev/null
scripts/sandbox.sh up test || exit 1
mkdir -p tests/artifacts
scripts/sandbox.sh exec test .venv/bin/python -m pytest -p no:cacheprovider "${@:-tests}"
rc=$?
scripts/sandbox.sh exec test journalctl --no-pager -o short-precise > tests/artifacts/sandbox-journal.txt 2>&1
scripts/sandbox.sh down test
exit $rc
