#!/usr/bin/env python3
"""Makes the two study waves in old/ and new/ from one real lab run.

old/ is the study `mhealthsec lab --out DIR` wrote (DIR/study: apps.csv, servers.csv,
results.jsonl), copied unchanged. new/ is GENERATED from it, not measured: a second wave
in which some lab servers changed configuration. For each host in CHANGES the new wave
carries the real measured result of another lab server (the configuration it moved to),
with host and port rewritten and a note saying so; one app is dropped, one added, one
plain-HTTP connection is removed and one added.

    python3 make_waves.py DIR/study
"""
import csv, json, os, shutil, sys

# host -> lab server whose configuration it has in the new wave
CHANGES = {
    "tls10-only.lab.test": "modern-hsts.lab.test",    # upgraded: A+, TLS 1.3, HSTS
    "rc4-3des.lab.test": "tls13-only.lab.test",        # upgraded
    "hsts-short.lab.test": "modern-nohsts.lab.test",   # lost HSTS
    "modern-hsts.lab.test": "rsa1024.lab.test",        # fell below A
    "ticketbleed.lab.test": "expired.lab.test",        # A- to T (expired certificate)
    "renego-client.lab.test": "ccs-injection.lab.test",  # A- to F
    "crime.lab.test": "heartbleed.lab.test",           # C to F: still below A
}

src = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
old, new = os.path.join(here, "old"), os.path.join(here, "new")
for d in (old, new):
    os.makedirs(d, exist_ok=True)
for f in ("apps.csv", "servers.csv", "results.jsonl"):
    shutil.copy(os.path.join(src, f), os.path.join(old, f))

results = [json.loads(l) for l in open(os.path.join(src, "results.jsonl"))]
by_host = {r["host"]: r for r in results}
with open(os.path.join(new, "results.jsonl"), "w") as out:
    for r in results:
        if r["host"] in CHANGES:
            moved = json.loads(json.dumps(by_host[CHANGES[r["host"]]]))
            for k in ("target", "host", "sni", "port"):
                moved[k] = r[k]
            moved["notes"] = (moved.get("notes") or []) + [
                "generated second wave: the measured result of lab server %s, standing for %s after a configuration change"
                % (CHANGES[r["host"]], r["host"])]
            r = moved
        out.write(json.dumps(r, separators=(",", ":")) + "\n")

with open(os.path.join(src, "apps.csv")) as f:
    apps = list(csv.reader(f))
apps = [a for a in apps if a[0] != "ios-10"]
apps.append(["android-11", "Lab fitness app 11 (android, new in wave 2)", "android", "international", "fitness"] + [""] * (len(apps[0]) - 5))
with open(os.path.join(new, "apps.csv"), "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows(apps)

with open(os.path.join(src, "servers.csv")) as f:
    servers = list(csv.reader(f))
header = servers[0]
rows = [s for s in servers[1:] if s[0] != "ios-10" and not (s[0] == "ios-06" and s[1] == "http-only.lab.test")]
port = {r["host"]: r["port"] for r in results}
rows.append(["android-02", "http-only.lab.test", str(port["http-only.lab.test"]), "http", "functional", "http-only"])
rows.append(["android-11", "tls13-only.lab.test", str(port["tls13-only.lab.test"]), "https", "functional", "tls13-only"])
with open(os.path.join(new, "servers.csv"), "w", newline="") as f:
    csv.writer(f, lineterminator="\n").writerows([header] + rows)
