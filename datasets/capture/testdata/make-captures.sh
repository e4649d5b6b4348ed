#!/usr/bin/env bash
# Makes the capture corpus of this folder with the real tools, all on loopback:
# tcpdump and tshark/dumpcap capture curl, openssl s_client and headless Chromium talking
# to openssl s_server and python's http.server; Playwright (npm playwright-core) drives
# Debian's Chromium to record HARs. Needs root (capturing), and:
#   apt-get install tcpdump tshark curl openssl chromium python3 nodejs npm golang
#   (cd "$work" && npm install playwright-core)   # done below when missing
# Every host name is mapped to 127.0.0.1 or ::1 (curl --resolve, Chromium
# --host-resolver-rules); no packet leaves the machine. Run from the repository root:
#   bash datasets/capture/testdata/make-captures.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=example-health.test" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
openssl s_server -quiet -www -accept 127.0.0.1:8443 -cert "$work/cert.pem" -key "$work/key.pem" >/dev/null 2>&1 & pids+=($!)
openssl s_server -quiet -www -accept '[::1]:8444' -cert "$work/cert.pem" -key "$work/key.pem" >/dev/null 2>&1 & pids+=($!)
python3 -m http.server 8480 --bind 127.0.0.1 --directory "$work" >/dev/null 2>&1 & pids+=($!)
sleep 1

# capture NAME FILTER TOOL...: tcpdump (or dumpcap for .pcapng) around one client run.
capture() {
  local out=$1 iface=$2 filter=$3; shift 3
  case "$out" in
  *.pcapng) dumpcap -q -i "$iface" -f "$filter" -w "$here/$out" 2>/dev/null & ;;
  *) tcpdump -U -q -i "$iface" ${LINKTYPE:+-y "$LINKTYPE"} -w "$here/$out" "$filter" 2>/dev/null & ;;
  esac
  local cap=$!
  sleep 1.5
  "$@" || true
  sleep 1
  kill -INT "$cap"; wait "$cap" || true
  echo "made $out"
}

curls() {
  curl -sk --resolve api.example-health.test:8443:127.0.0.1 https://api.example-health.test:8443/ -o /dev/null
  curl -s --resolve plain.example-health.test:8480:127.0.0.1 http://plain.example-health.test:8480/ -o /dev/null
  # No SNI: curl to an address sends none; the reader names it by the other connection's SNI.
  curl -sk https://127.0.0.1:8443/ -o /dev/null
}
sclient() {
  echo | openssl s_client -connect '[::1]:8444' -servername tracker.example-ads.test >/dev/null 2>&1
  curl -sk -6 --resolve cdn.example-cdn.test:8444:'[::1]' https://cdn.example-cdn.test:8444/ -o /dev/null
}
browse() {
  timeout 30 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --host-resolver-rules='MAP * 127.0.0.1' --ignore-certificate-errors \
    --dump-dom https://www.example-health.test:8443/ >/dev/null 2>&1
}

capture curl-ethernet-ipv4.pcap lo 'tcp port 8443 or tcp port 8480' curls
LINKTYPE=LINUX_SLL capture openssl-cooked-ipv6.pcap any 'tcp port 8444' sclient
LINKTYPE=LINUX_SLL2 capture curl-cooked2-ipv4.pcap any 'tcp port 8443 or tcp port 8480' curls
capture chromium-ethernet-ipv4.pcapng lo 'tcp port 8443' browse
capture openssl-ethernet-ipv6.pcapng lo 'tcp port 8444' sclient
gzip -9 -n -c "$here/curl-ethernet-ipv4.pcap" > "$here/curl-ethernet-ipv4.pcap.gz"

# The lost segment: curl through the fault-injecting relay; the capture leaves out the
# segments the relay marked (TOS 0x28), the middle third of the ClientHello.
(cd "$here/../../.." && go build -o "$work/lossyrelay" ./datasets/capture/testdata/lossyrelay)
"$work/lossyrelay" 127.0.0.1:9443 127.0.0.1:8443 & pids+=($!)
sleep 0.5
lossy() {
  curl -sk --resolve lost.example-health.test:9443:127.0.0.1 https://lost.example-health.test:9443/ -o /dev/null
  curl -sk --resolve api.example-health.test:8443:127.0.0.1 https://api.example-health.test:8443/ -o /dev/null
}
capture lost-clienthello.pcap lo 'tcp port 8443 and not (ip[1] & 0xfc = 0x28)' lossy

# HARs: Playwright's recordHar with Debian's Chromium, and the same file with a BOM.
if [ ! -d "$here/.node/node_modules/playwright-core" ]; then
  mkdir -p "$work/node" && (cd "$work/node" && npm init -y >/dev/null && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install -s playwright-core >/dev/null)
  nm="$work/node/node_modules"
else
  nm="$here/.node/node_modules"
fi
cp "$here/record-har.mjs" "$work/node/" 2>/dev/null || { mkdir -p "$work/node"; cp "$here/record-har.mjs" "$work/node/"; ln -s "$nm" "$work/node/node_modules"; }
node "$work/node/record-har.mjs" "$here/playwright-chromium.har" "$work/cert.pem" "$work/key.pem"
printf '\xef\xbb\xbf' | cat - "$here/playwright-chromium.har" > "$here/playwright-chromium-bom.har"
echo "made playwright-chromium.har, playwright-chromium-bom.har"
ls -la "$here"/*.pcap* "$here"/*.har
