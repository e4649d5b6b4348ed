#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for testing job arrays: munged, slurmctld and
# slurmd run as root in the foreground-less daemon mode with every file (key, sockets,
# config, state, logs) under one state folder, on their own ports, so nothing in /etc is
# touched and the cluster cannot meet another. Needs Debian's slurm-wlm and munge
# (`apt-get install slurm-wlm munge`).
#
#   scripts/slurm/cluster.sh start STATE   # writes STATE/slurm.conf; export SLURM_CONF=STATE/slurm.conf
#   scripts/slurm/cluster.sh stop STATE    # stops the three daemons by their pid files
#
# No cgroups and no systemd: processes are tracked by /proc (proctrack/linuxproc) and no
# task plugin binds CPUs or memory, which is what lets it run in a container.
set -euo pipefail

cmd=${1:?usage: cluster.sh start|stop STATE}
state=$(realpath -m "${2:?usage: cluster.sh start|stop STATE}")
ctlport=${SLURM_TEST_CTLD_PORT:-16817}
dport=${SLURM_TEST_SLURMD_PORT:-16818}
node=$(hostname -s)

stop_pid() { # stop the daemon whose pid is in $1, waiting for it to go
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

case $cmd in
stop)
  stop_pid "$state/slurmd.pid"
  stop_pid "$state/slurmctld.pid"
  stop_pid "$state/munged.pid"
  exit 0
  ;;
start) ;;
*) echo "usage: cluster.sh start|stop STATE" >&2; exit 2 ;;
esac

for tool in munged slurmctld slurmd sbatch; do
  command -v "$tool" >/dev/null || { echo "cluster.sh: $tool not found: apt-get install slurm-wlm munge" >&2; exit 1; }
done
mkdir -p "$state"/{spool,ctld,log}
chmod 700 "$state"

# munge: a fresh key for this cluster only.
[ -f "$state/munge.key" ] || { dd if=/dev/urandom of="$state/munge.key" bs=1024 count=1 status=none; chmod 400 "$state/munge.key"; }
munged --force --key-file="$state/munge.key" --socket="$state/munge.socket" \
  --pid-file="$state/munged.pid" --log-file="$state/log/munged.log" --seed-file="$state/munge.seed"

cpus=$(nproc)
mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
cat > "$state/slurm.conf" <<CONF
ClusterName=mhealthsec-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctlport
SlurmdPort=$dport
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$state/munge.socket
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
MaxArraySize=1001
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$state/slurm.conf

slurmctld -i   # -i: ignore state a previous run left behind
slurmd
# Wait for the node to come up (idle) in the controller's view.
for _ in $(seq 100); do
  if sinfo -h -N -o '%T' 2>/dev/null | grep -qx idle; then
    echo "cluster.sh: up; export SLURM_CONF=$state/slurm.conf"
    exit 0
  fi
  sleep 0.2
done
echo "cluster.sh: the node did not become idle within 20 s; logs:" >&2
tail -n 20 "$state"/log/*.log >&2 || true
sinfo -N -l >&2 || true
exit 1
