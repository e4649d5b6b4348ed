#!/usr/bin/env bash
# The sharded scan on a real scheduler: a single-node Slurm cluster (cluster.sh) runs
# docs/cluster/probe-array.sbatch as an array of N tasks against the lab fleet plus six OpenSSL servers
# on other loopback addresses (127.0.0.2-7, so the shards get different IPs), then
# `mhealthsec merge` must give exactly the endpoints and grades of one unsharded scan, every
# IP must be in one shard, and a second submission must resume (measure nothing).
#
#   scripts/slurm/lab-array-test.sh [N]          # Slurm; needs root, slurm-wlm, munge
#   scripts/slurm/lab-array-test.sh --env [N]    # no scheduler: runs the task script N times
#                                                # with the SLURM_ARRAY_* variables Slurm sets
#
# About a minute on 2 cores. Contacts nothing off the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=slurm
if [ "${1:-}" = --env ]; then mode=env; shift; fi
n=${1:-4}

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$mode" = slurm ]; then scripts/slurm/cluster.sh stop "$tmp/slurm" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "lab-array-test: FAIL: $*" >&2; exit 1; }

go build -o "$tmp/mhealthsec" ./cmd/mhealthsec
bin=$tmp/mhealthsec

# The lab fleet, kept running.
"$bin" lab --keep-running --out "$tmp/lab" >"$tmp/lab.out" 2>"$tmp/lab.err" &
pids+=($!)
for _ in $(seq 600); do grep -q '^fleet running' "$tmp/lab.out" && break; sleep 0.1; done
grep -q '^fleet running' "$tmp/lab.out" || { cat "$tmp/lab.err" >&2; fail "the lab fleet did not come up"; }
# The fleet by its names, each pinned to its address (as lab prints the probe command).
cp "$tmp/lab/lab-targets.txt" "$tmp/targets.txt"
pins=$(grep -o -- '--resolve [^ ]*' "$tmp/lab.out" | tr '\n' ' ')
[ -n "$pins" ] || fail "lab printed no --resolve pins"

# OpenSSL servers on other loopback addresses.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=shard.test \
  -days 2 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
for i in 2 3 4 5 6 7; do
  openssl s_server -accept "127.0.0.$i:0" -cert "$tmp/cert.pem" -key "$tmp/key.pem" -www \
    </dev/null >"$tmp/s_server-$i.out" 2>&1 &
  pids+=($!)
done
for i in 2 3 4 5 6 7; do
  for _ in $(seq 100); do grep -q '^ACCEPT' "$tmp/s_server-$i.out" && break; sleep 0.1; done
  grep -q '^ACCEPT' "$tmp/s_server-$i.out" || fail "openssl s_server on 127.0.0.$i did not start"
  awk '/^ACCEPT/ {print $2}' "$tmp/s_server-$i.out" >>"$tmp/targets.txt"
done
total=$(wc -l <"$tmp/targets.txt")
echo "lab-array-test: $total targets ($(grep -c '\.lab\.test:' "$tmp/targets.txt") lab, the rest OpenSSL), $n shards, mode $mode"

probe_args="--ca-file $tmp/lab/lab-root-ca.pem --http-port 0 --loopback-only $pins"
# shellcheck disable=SC2086
"$bin" probe --targets "$tmp/targets.txt" --out "$tmp/whole.jsonl" $probe_args 2>"$tmp/whole.err" ||
  { cat "$tmp/whole.err" >&2; fail "the unsharded scan failed"; }

export TARGETS=$tmp/targets.txt OUTDIR=$tmp/shards MHEALTHSEC=$bin PROBE_ARGS=$probe_args
run_array() { # one submission of the array, task IDs 1..n (Slurm arrays need not start at 0)
  case $mode in
  slurm)
    timeout 900 sbatch --wait --array="1-$n" --output="$tmp/task-%a.log" --chdir="$tmp" docs/cluster/probe-array.sbatch >/dev/null ||
      { cat "$tmp"/task-*.log >&2; fail "the array job failed"; }
    ;;
  env)
    for id in $(seq 1 "$n"); do
      SLURM_ARRAY_JOB_ID=1 SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=$n \
        SLURM_ARRAY_TASK_STEP=1 SLURM_ARRAY_TASK_COUNT=$n \
        docs/cluster/probe-array.sbatch >"$tmp/task-$id.log" 2>&1 || { cat "$tmp/task-$id.log" >&2; fail "task $id failed"; }
    done
    ;;
  esac
}

if [ "$mode" = slurm ]; then
  # Two free ports of our own, below the ephemeral range (where a client's socket could take
  # them), so that two runs on one machine do not meet.
  for _ in $(seq 20); do
    p=$((10000 + RANDOM % 20000))
    if ! ss -Htln "( sport = :$p or sport = :$((p + 1)) )" | grep -q .; then break; fi
  done
  export SLURM_TEST_CTLD_PORT=$p SLURM_TEST_SLURMD_PORT=$((p + 1))
  scripts/slurm/cluster.sh start "$tmp/slurm" >/dev/null
  export SLURM_CONF=$tmp/slurm/slurm.conf
fi
start=$SECONDS
run_array
echo "lab-array-test: array of $n ran in $((SECONDS - start)) s"
for id in $(seq 1 "$n"); do
  grep -q "shard $((id - 1))/$n from SLURM_ARRAY_TASK_ID=$id" "$tmp/task-$id.log" || { cat "$tmp/task-$id.log" >&2; fail "task $id did not take shard $((id - 1))/$n from Slurm's variables"; }
done

"$bin" merge "$tmp"/shards/shard-*.jsonl --targets "$tmp/targets.txt" --out "$tmp/merged.jsonl" ||
  fail "merge found a coverage problem"

# Same endpoints, same grades; every IP in one shard; more than one shard used.
python3 - "$tmp" "$n" <<'PY'
import json, sys, glob, os
tmp, n = sys.argv[1], int(sys.argv[2])
def grades(path):
    out = {}
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            assert r["target"] not in out, f"{path}: {r['target']} twice"
            out[r["target"]] = (r.get("error") or {}).get("kind") or (r.get("grade") or {}).get("letter")
    return out
whole, merged = grades(f"{tmp}/whole.jsonl"), grades(f"{tmp}/merged.jsonl")
want = {l.strip() for l in open(f"{tmp}/targets.txt") if l.strip()}
assert set(whole) == want, f"unsharded scan: {len(whole)} endpoints, want {len(want)}"
diff = {t: (whole[t], merged.get(t)) for t in want if merged.get(t) != whole[t]}
assert not diff and set(merged) == want, f"merged differs from unsharded (target: unsharded, merged): {diff}"
def part_ips(path):
    for line in open(path):
        if line.strip():
            r = json.loads(line)
            yield r["target"], r.get("ip") or r["target"].rsplit(":", 1)[0]
ip_shard, used = {}, 0
for k in range(1, n + 1):
    part = grades(f"{tmp}/shards/shard-{k}.jsonl")
    used += bool(part)
    for t, ip in part_ips(f"{tmp}/shards/shard-{k}.jsonl"):
        assert ip_shard.setdefault(ip, k) == k, f"{ip} in shards {ip_shard[ip]} and {k}"
assert used > 1, "all endpoints fell in one shard"
counts = {}
for g in merged.values():
    counts[g] = counts.get(g, 0) + 1
print(f"lab-array-test: merged {len(merged)} endpoints from {used} non-empty shards = unsharded scan; grades {dict(sorted(counts.items(), key=str))}")
PY

# A second submission resumes: every task finds its shard done.
run_array
for id in $(seq 1 "$n"); do
  grep -q " 0 measured" "$tmp/task-$id.log" || { cat "$tmp/task-$id.log" >&2; fail "task $id measured again on resume"; }
done
echo "lab-array-test: resubmitted array measured nothing (each shard resumed from its file); pass"
