#!/usr/bin/env bash
# compare-analyze.sh OLD_REV [STUDY_DIR...]: runs `mhealthsec analyze` as built at git
# revision OLD_REV and as built from the working tree on each study folder (default: the
# embedded sample study, the waves test studies and datasets/testdata/study), under several
# flag sets, and fails unless report.md, report.html, stats.json, tables/, figures/ and
# the printed summary are byte-identical. Used to prove that streaming the analysis
# changed no output; a generated big study can be added, e.g.
#   go test ./analysis -run '^$' -bench AnalyzeBigStudy -benchtime 1x -args -bigstudy /tmp/big -bigstudy-rows 100000
#   scripts/streaming/compare-analyze.sh b3e5000 /tmp/big
set -euo pipefail
old_rev=${1:?usage: compare-analyze.sh OLD_REV [STUDY_DIR...]}
shift
root=$(git rev-parse --show-toplevel)
cd "$root"
studies=("$@")
if [ ${#studies[@]} -eq 0 ]; then
	studies=(datasets/sample datasets/testdata/study analysis/testdata/waves/old analysis/testdata/waves/new)
fi
work=$(mktemp -d)
trap 'git worktree remove --force "$work/old-src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/old-src" "$old_rev" >/dev/null 2>&1
# -buildvcs=false: the two builds differ in revision; the outputs must not.
(cd "$work/old-src" && go build -buildvcs=false -o "$work/old" ./cmd/mhealthsec)
go build -buildvcs=false -o "$work/new" ./cmd/mhealthsec
# Bad input: errors must name the same files and lines.
bad="$work/bad"
mkdir -p "$bad"
cp datasets/sample/apps.csv "$bad/"
{ cat datasets/sample/servers.csv; sed -n 2p datasets/sample/servers.csv; } >"$bad/servers.csv"
{ sed -n 1p datasets/sample/results.jsonl; echo '{"host":"x.example","port":"443"}'; echo '{"host":'; sed -n 2p datasets/sample/results.jsonl | sed 's/"letter":"[^"]*"/"letter":"Z"/'; } >"$bad/results.jsonl"
# Client simulations (the sample has none), unknown trust and missing grades: every result of the sample gets a
# deterministic mix of connects true, false and null, some clients twice or missing.
sims="$work/sims"
mkdir -p "$sims"
cp datasets/sample/apps.csv datasets/sample/servers.csv "$sims/"
python3 - datasets/sample/results.jsonl >"$sims/results.jsonl" <<'PY'
import json, sys
clients = ["android-" + v for v in "4.4 5 7 8 9 10 11 12 13 14".split()] + ["ios-" + v for v in "9 10 11 12 13 14 15 16 17".split()] + ["okhttp-5", "nosuch-1"]
for n, line in enumerate(open(sys.argv[1])):
    if not line.strip():
        print(line, end="")
        continue
    r = json.loads(line)
    if n % 7 != 3:
        sims = []
        for k, c in enumerate(clients):
            v = (n * 31 + k * 17) % 23
            if v == 0:
                continue
            sims.append({"client": c, "platform": c.split("-")[0], "connects": None if v == 1 else v > 2 + (len(clients) - k) // 3})
            if v == 5:
                sims.append({"client": c, "platform": c.split("-")[0], "connects": True})
        r["client_simulations"] = sims if n % 11 else []
    # Certificates whose trust is unknown, and results left without a grade.
    if r.get("certificate") and n % 4 == 1:
        r["certificate"]["trusted"] = None
    if n % 9 == 2:
        r["grade"] = None
    print(json.dumps(r, separators=(",", ":")))
PY
if [ $# -eq 0 ]; then
	studies+=("$bad" "$sims")
fi
flagsets=(
	""
	"--trust ignore"
	"--trust exclude --adjust bonferroni"
	"--criteria 2009q --baseline none"
	"--baseline-results analysis/testdata/waves/old/results.jsonl"
)
fail=0
for study in "${studies[@]}"; do
	for flags in "${flagsets[@]}"; do
		for v in old new; do
			# shellcheck disable=SC2086 # flags are words
			if ! "$work/$v" analyze "$study" --out "$work/out-$v" $flags >"$work/stdout-$v" 2>"$work/stderr-$v"; then
				echo "exit $?" >>"$work/stderr-$v"
			fi
			sed -i "s#$work/out-$v#OUT#g" "$work/stdout-$v"
		done
		mkdir -p "$work/out-old" "$work/out-new" # none when both refused the study
		if diff -r "$work/out-old" "$work/out-new" >/dev/null && cmp -s "$work/stdout-old" "$work/stdout-new" && cmp -s "$work/stderr-old" "$work/stderr-new"; then
			echo "same: $study $flags"
		else
			echo "DIFFERENT: $study $flags"
			diff -r "$work/out-old" "$work/out-new" | head -20 || true
			diff "$work/stdout-old" "$work/stdout-new" | head -10 || true
			diff "$work/stderr-old" "$work/stderr-new" | head -10 || true
			fail=1
		fi
		rm -rf "$work/out-old" "$work/out-new"
	done
done
exit $fail
