#!/usr/bin/env bash
# notebooks/run.sh OUTDIR: execute every notebook in this folder headless, top to bottom, with
# the GoNB kernel, and write the executed notebooks (outputs included) to OUTDIR. Fails on any
# cell error. Installs what is missing: Debian's Jupyter (root only), and GoNB and goimports
# built from the versions pinned in tools/go.mod. The kernel is registered in a private
# Jupyter folder under OUTDIR, so the user's own kernels are left alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
[ $# -eq 1 ] || { echo "usage: notebooks/run.sh OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)

need=()
command -v jupyter-nbconvert >/dev/null || need+=(jupyter-nbconvert)
python3 -c 'import nbclient' 2>/dev/null || need+=(python3-nbclient)
python3 -c 'import ipykernel' 2>/dev/null || need+=(python3-ipykernel)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "run.sh: missing ${need[*]}; install them (Debian: apt-get install ${need[*]})" >&2
    exit 1
  fi
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi

# GoNB runs goimports on every cell; gopls (completion only) is not needed headless.
bin="$out/.tools"
(cd "$repo/tools" && go build -o "$bin/" github.com/janpfeifer/gonb golang.org/x/tools/cmd/goimports)
export PATH="$bin:$PATH"
export JUPYTER_DATA_DIR="$out/.jupyter"
gonb --install --force_deps --logtostderr >/dev/null 2>&1 || { echo "run.sh: gonb --install failed" >&2; gonb --install --force_deps; exit 1; }

# Files the notebooks write (reports, figures, the lab study) go here.
export MHEALTHSEC_NOTEBOOK_OUT="$out/files"
mkdir -p "$MHEALTHSEC_NOTEBOOK_OUT"

# The notebooks run at once: each cell is compiled by its own GoNB kernel, and compiling,
# not computing, is most of the time.
status=0
declare -A pids
start=$(date +%s)
for nb in "$here"/*.ipynb; do
  name=$(basename "$nb" .ipynb)
  # nbconvert stops at the first cell that errors and exits non-zero; GoNB's own log goes to
  # a file (it is chatty on stderr).
  jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
    --output-dir "$out" "$nb" >"$out/$name.log" 2>&1 &
  pids[$name]=$!
done
for name in "${!pids[@]}"; do
  if wait "${pids[$name]}"; then
    echo "notebooks: $name.ipynb ok"
  else
    echo "notebooks: $name.ipynb FAILED; log:" >&2
    grep -v '^[IWE][0-9]\{4\} ' "$out/$name.log" | tail -40 >&2
    status=1
  fi
done
echo "notebooks: all executed in $(( $(date +%s) - start ))s"
# GoNB reports a panic or a compile error as stderr output of the cell and nbconvert goes
# on (exit 0); refuse that too.
python3 - "$out" <<'PY' || status=1
import json, pathlib, sys
bad = []
for p in sorted(pathlib.Path(sys.argv[1]).glob("*.ipynb")):
    for i, c in enumerate(json.loads(p.read_text())["cells"]):
        for o in c.get("outputs", []):
            if o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr"):
                bad.append(f"{p.name} cell {i}: {o.get('ename') or ''.join(o.get('text', ''))[:300]}")
if bad:
    print("notebooks: error output in executed notebooks:", *bad, sep="\n  ", file=sys.stderr)
    sys.exit(1)
PY
exit $status
