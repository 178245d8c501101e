#!/usr/bin/env bash
# Stop the one-node SLURM test cluster started by start_slurm.sh: slurmd, slurmctld and
# munged, each by the pid in its pid file. Safe to run when nothing is running.
# --keep-munge: leave munged running (used by start_slurm.sh to restart SLURM alone).
set -uo pipefail

KEEP_MUNGE=0
[ "${1:-}" = "--keep-munge" ] && KEEP_MUNGE=1

say() { echo "stop_slurm.sh: $*"; }

stop_pidfile() { # name pidfile
    local name="$1" pidfile="$2" pid
    [ -s "$pidfile" ] || return 0
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "$name did not stop in 15 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
}

# slurmd first, so that it does not mark the node down for a missing controller
stop_pidfile slurmd /run/slurm/slurmd.pid
stop_pidfile slurmctld /run/slurm/slurmctld.pid
if [ "$KEEP_MUNGE" -eq 0 ]; then
    stop_pidfile munged /run/munge/munged.pid
fi
say "done"
exit 0
