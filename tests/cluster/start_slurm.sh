#!/usr/bin/env bash
# Start a one-node SLURM cluster on this machine (Debian's slurm-wlm + munge), for the
# SLURM integration test (tests/cluster/test_slurm.py). Needs root. Idempotent: rerunning
# it with the cluster up only checks that the node is idle.
#
#   apt-get install -y --no-install-recommends slurm-wlm munge
#   bash tests/cluster/start_slurm.sh      # ... tests ...
#   bash tests/cluster/stop_slurm.sh
#
# What it does: creates the munge key if missing, writes /etc/slurm/slurm.conf from
# slurm.conf.in (node named after `hostname -s`, CPUs and RealMemory as `slurmd -C` sees
# them, no accounting database), starts munged, slurmctld and slurmd in the background,
# and waits until `sinfo` shows the node idle. Exits non-zero with a message otherwise.
# Environment: SLURM_START_TIMEOUT (seconds to wait for the node, default 60),
# SLURM_PARTITION (partition name, default 'main').
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
MARKER="# proteosig test cluster"
TIMEOUT="${SLURM_START_TIMEOUT:-60}"
PARTITION="${SLURM_PARTITION:-main}"

die() {
    echo "start_slurm.sh: ERROR: $*" >&2
    exit 1
}
say() { echo "start_slurm.sh: $*"; }

[ "$(id -u)" -eq 0 ] || die "run as root (it writes /etc/slurm and starts daemons)"
for tool in munged munge slurmctld slurmd sinfo scontrol; do
    command -v "$tool" >/dev/null ||
        die "'$tool' not found; install the packages first: apt-get install -y slurm-wlm munge"
done
id slurm >/dev/null 2>&1 || die "user 'slurm' missing (it comes with Debian's slurm-wlm)"
id munge >/dev/null 2>&1 || die "user 'munge' missing (it comes with Debian's munge)"

HOST="$(hostname -s)"
[ -n "$HOST" ] || die "hostname -s is empty"
CLUSTER="$(echo "$HOST" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9_\n' '_')"

is_running() { # pidfile
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# --- munge -------------------------------------------------------------------------------
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/log/munge
if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    if command -v mungekey >/dev/null; then
        mungekey --create --keyfile=/etc/munge/munge.key --force
    else
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    fi
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key

if ! is_running /run/munge/munged.pid; then
    say "starting munged"
    rm -f /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    runuser -u munge -- munged || die "munged did not start; see /var/log/munge/munged.log"
fi
for _ in $(seq 1 20); do
    munge -n </dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.5
done
munge -n </dev/null | unmunge >/dev/null 2>&1 ||
    die "munge does not work (munge -n | unmunge failed); see /var/log/munge/munged.log"

# --- slurm.conf ---------------------------------------------------------------------------
NODE_LINE="$(slurmd -C | head -n 1)"
case "$NODE_LINE" in
NodeName=*) ;;
*) die "'slurmd -C' printed no NodeName line: $NODE_LINE" ;;
esac
# slurmd -C names the node after the full hostname on some machines; use hostname -s.
NODE_LINE="NodeName=$HOST ${NODE_LINE#NodeName=* }"
NEW_CONF="$(mktemp)"
trap 'rm -f "$NEW_CONF"' EXIT
sed -e "s|@CLUSTER@|$CLUSTER|g" -e "s|@HOST@|$HOST|g" -e "s|@PARTITION@|$PARTITION|g" \
    -e "s|@NODE_LINE@|$NODE_LINE|" "$HERE/slurm.conf.in" >"$NEW_CONF"

if [ -e "$CONF" ] && ! head -n 1 "$CONF" | grep -q "^$MARKER"; then
    die "$CONF exists and was not written by this script; move it away first"
fi
CONF_CHANGED=0
if ! cmp -s "$NEW_CONF" "$CONF"; then
    say "writing $CONF"
    install -d -m 0755 "$CONF_DIR"
    install -m 0644 "$NEW_CONF" "$CONF"
    CONF_CHANGED=1
fi
# Debian's slurm-wlm ships no cgroup.conf; with proctrack/linuxproc and task/none none is
# read, but an empty one keeps older slurmd versions from complaining.
[ -e "$CONF_DIR/cgroup.conf" ] || echo "# no cgroups: see slurm.conf" >"$CONF_DIR/cgroup.conf"

install -d -o slurm -g slurm -m 0755 /var/lib/slurm/slurmctld /var/log/slurm /run/slurm
install -d -o root -g root -m 0755 /var/lib/slurm/slurmd

# --- daemons ------------------------------------------------------------------------------
if [ "$CONF_CHANGED" -eq 1 ]; then
    # a running cluster with another configuration: restart it with this one
    if is_running /run/slurm/slurmctld.pid || is_running /run/slurm/slurmd.pid; then
        say "configuration changed: restarting the SLURM daemons"
        bash "$HERE/stop_slurm.sh" --keep-munge
    fi
fi
if ! is_running /run/slurm/slurmctld.pid; then
    say "starting slurmctld"
    # -i: ignore state files written by an older configuration of this test cluster
    slurmctld -i || die "slurmctld did not start; see /var/log/slurm/slurmctld.log"
fi
if ! is_running /run/slurm/slurmd.pid; then
    say "starting slurmd"
    slurmd || die "slurmd did not start; see /var/log/slurm/slurmd.log"
fi

# --- wait for the node ------------------------------------------------------------------
say "waiting up to ${TIMEOUT}s for node $HOST to be idle"
deadline=$((SECONDS + TIMEOUT))
resumed=0
state=""
while [ "$SECONDS" -lt "$deadline" ]; do
    state="$(sinfo --noheader --nodes="$HOST" --format=%T 2>/dev/null | head -n 1 || true)"
    case "$state" in
    idle | mixed | allocated | completing)
        say "SLURM is up: cluster '$CLUSTER', node '$HOST' $state, partition '$PARTITION'"
        sinfo --long --Node
        exit 0
        ;;
    drained* | draining* | down* | drain*)
        # left drained/down by an earlier run (e.g. daemons killed): put it back
        if [ "$resumed" -eq 0 ]; then
            say "node is '$state'; resuming it"
            scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true
            resumed=1
        fi
        ;;
    esac
    sleep 1
done
echo "start_slurm.sh: ERROR: node $HOST not idle after ${TIMEOUT}s (state: '${state:-no answer from slurmctld}')" >&2
scontrol show node "$HOST" >&2 || true
echo "--- last lines of /var/log/slurm/slurmctld.log ---" >&2
tail -n 20 /var/log/slurm/slurmctld.log >&2 || true
echo "--- last lines of /var/log/slurm/slurmd.log ---" >&2
tail -n 20 /var/log/slurm/slurmd.log >&2 || true
exit 1
