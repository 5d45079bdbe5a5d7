#!/usr/bin/env bash
# A private one-node Slurm cluster from Debian 12's packages (slurmctld, slurmd, slurm-client,
# munge; scripts/setup.sh installs them), for the sweep tests and for trying `sweep --slurm` on a
# desktop. Everything lives in one directory: its own munge key and socket, slurm.conf, state,
# logs and pid files, on free ports, so it never touches /etc/slurm, /etc/munge or a cluster the
# machine already runs. Needs root (slurmd starts jobs as their users).
#
#   bash scripts/slurm_cluster.sh start DIR   start munged, slurmctld, slurmd; wait until the node
#                                             takes jobs; prints the line to export SLURM_CONF
#   bash scripts/slurm_cluster.sh stop DIR    cancel its jobs, stop its daemons by their pids
#   bash scripts/slurm_cluster.sh status DIR  which daemons run, the node's state
#
# Clients (sbatch, squeue, sacct, `sinkscope-cli sweep --slurm`) find it with
# SLURM_CONF=DIR/slurm.conf.
set -euo pipefail

usage() { echo "usage: $0 start|stop|status DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

need() {
  for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol; do
    if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
      echo "slurm_cluster: $tool is missing; install slurmctld slurmd slurm-client munge (scripts/setup.sh)" >&2
      exit 1
    fi
  done
  if [ "$(id -u)" != 0 ]; then echo "slurm_cluster: must run as root (slurmd starts jobs as their users)" >&2; exit 1; fi
}

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pid_of() { # the pid in $1 when that process is alive
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

start() {
  need
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  chmod 0700 "$dir"
  if [ -n "$(pid_of "$dir/slurmctld.pid")" ]; then echo "slurm_cluster: already running in $dir" >&2; exit 1; fi
  mkdir -p "$dir/munge" "$dir/ctld" "$dir/spool"
  chmod 0700 "$dir/munge"
  [ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null
  # --force: munged refuses root otherwise; the key and socket are private to this directory.
  /usr/sbin/munged --force --socket="$dir/munge/socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/seed"

  local host cpus ctld_port d_port
  host=$(hostname -s)
  cpus=$(nproc)
  ctld_port=$(free_port)
  d_port=$(free_port)
  while [ "$d_port" = "$ctld_port" ]; do d_port=$(free_port); done
  cat >"$dir/slurm.conf" <<EOF
# One-node cluster of scripts/slurm_cluster.sh (private to this directory).
ClusterName=sinkscope
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/socket
CredType=cred/munge
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
# No cgroups in containers: track processes by their parent, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
# Finished jobs stay visible to squeue/scontrol for a while, then go.
MinJobAge=300
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$dir/slurm.conf
  /usr/sbin/slurmctld -f "$SLURM_CONF"
  /usr/sbin/slurmd -f "$SLURM_CONF" -N "$host"
  # The node takes jobs once it registered with the controller and is idle.
  local state=""
  for _ in $(seq 1 120); do
    state=$(sinfo -h -N -o "%T" 2>/dev/null | head -1 || true)
    case "$state" in idle|mixed|allocated) break ;; esac
    sleep 0.5
  done
  case "$state" in
    idle|mixed|allocated) ;;
    *) echo "slurm_cluster: the node did not come up (state '${state:-none}'); logs in $dir" >&2; stop; exit 1 ;;
  esac
  echo "export SLURM_CONF=$dir/slurm.conf"
}

stop() {
  [ -d "$dir" ] || return 0
  export SLURM_CONF=$dir/slurm.conf
  if [ -n "$(pid_of "$dir/slurmctld.pid")" ]; then
    scancel --partition=local --full 2>/dev/null || true
  fi
  local pids=() pid name
  for name in slurmd.pid slurmctld.pid munge/munged.pid; do
    pid=$(pid_of "$dir/$name")
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; pids+=("$pid"); fi
  done
  # Wait for them to go (slurmctld saves its state first), then make sure.
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  # Job steps outlive slurmd; they are ours when their environment names this cluster's config.
  for pid in $(pgrep -f slurmstepd || true); do
    if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "SLURM_CONF=$dir/slurm.conf"; then
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}

status() {
  local name pid
  for name in munge/munged.pid slurmctld.pid slurmd.pid; do
    pid=$(pid_of "$dir/$name")
    echo "$(basename "$name" .pid): ${pid:-not running}"
  done
  if [ -n "$(pid_of "$dir/slurmctld.pid")" ]; then
    SLURM_CONF=$dir/slurm.conf sinfo -N -o "%N %T %c" || true
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
