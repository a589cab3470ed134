#!/usr/bin/env bash
# Stops the apps that `npm run up` started. Postgres, Redis and dockerd are left running.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
for name in web worker gateway engine stripe k8s; do
  if [ -f "$AITK_DIR/pids/$name.pid" ]; then
    stop_bg "$name"
    say "stopped $name"
  fi
done
