#!/bin/sh
# make-testssl.sh regenerates the multi-certificate testssl.sh corpus: Debian's nginx on
# 127.0.0.1 serving an RSA and an ECDSA certificate at once (self-signed, CN=localhost),
# scanned by Debian's testssl.sh (3.0.8) in flat and pretty JSON, and once with
# -E --show-each, which lists the suites the server refused too.
#
#   apt-get -o DPkg::Lock::Timeout=600 install -y testssl.sh nginx-light openssl
#   sh datasets/importer/testdata/make-testssl.sh     # from the repository root, ~8 min
#   sh datasets/importer/testdata/make-testssl.sh showeach   # only some of the runs
#
# Keys are new on every run, so the files differ from the committed ones in key material,
# dates and timings only; the tests derive their answers from the files themselves.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
port=${PORT:-44321}
dir=$(mktemp -d)
trap 'kill $(cat "$dir/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$dir"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost -keyout "$dir/rsa.key" -out "$dir/rsa.crt" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost -keyout "$dir/ec.key" -out "$dir/ec.crt" 2>/dev/null

cat >"$dir/nginx.conf" <<CONF
daemon on;
pid $dir/nginx.pid;
error_log $dir/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir;
	uwsgi_temp_path $dir; scgi_temp_path $dir;
	server {
		listen 127.0.0.1:$port ssl;
		server_name localhost;
		ssl_certificate $dir/rsa.crt;
		ssl_certificate_key $dir/rsa.key;
		ssl_certificate $dir/ec.crt;
		ssl_certificate_key $dir/ec.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		location / { return 200 "ok\n"; }
	}
}
CONF
nginx -c "$dir/nginx.conf" -p "$dir"

v=$(testssl --version 2>/dev/null | sed -n 's/.*testssl *\([0-9][0-9.]*\).*/\1/p' | head -1)
for run in ${*:-flat pretty showeach}; do
	case $run in
	flat) # default run (protocols, server defaults with both certificates, vulnerabilities,
		# client simulation) as the flat array
		f=$out/testssl-$v-nginx-multicert-flat.json
		rm -f "$f"
		testssl --quiet --color 0 --warnings off --ip one --jsonfile "$f" "localhost:$port" >/dev/null || true ;;
	pretty) # ciphers per protocol (-E), server defaults, vulnerabilities, HTTP headers
		f=$out/testssl-$v-nginx-multicert-pretty.json
		rm -f "$f"
		testssl --quiet --color 0 --warnings off --ip one -p -E -S -U -h --jsonfile-pretty "$f" "localhost:$port" >/dev/null || true ;;
	showeach) # every suite testssl.sh knows, offered ("available") or not ("not a/v")
		f=$out/testssl-$v-nginx-showeach-flat.json
		rm -f "$f"
		testssl --quiet --color 0 --warnings off --ip one -E --show-each --jsonfile "$f" "localhost:$port" >/dev/null || true ;;
	*) echo "make-testssl.sh: unknown run $run (want flat, pretty, showeach)" >&2; exit 2 ;;
	esac
	test -s "$f" || { echo "make-testssl.sh: $f was not written" >&2; exit 1; }
	echo "wrote $f"
done
