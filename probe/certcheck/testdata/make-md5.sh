#!/bin/sh
# Makes md5-root.pem (a self-signed RSA-2048 root, SHA-256) and md5-leaf.pem (an RSA-2048
# leaf for localhost signed by that root with md5WithRSAEncryption, served without an
# intermediate). Go refuses to make MD5 signatures; OpenSSL 3.0 still does. Both are valid
# for 100 years from when they were made (December 2026).
# Run from this directory: sh make-md5.sh (made with OpenSSL 3.0.22 on Debian).
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/root.key" -out md5-root.pem -sha256 -days 36500 \
	-subj "/O=mhealthsec test PKI/CN=md5 test root" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/leaf.key" -out "$tmp/leaf.csr" -subj "/CN=localhost"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > "$tmp/ext"
openssl x509 -req -in "$tmp/leaf.csr" -CA md5-root.pem -CAkey "$tmp/root.key" -md5 -days 36500 \
	-extfile "$tmp/ext" -set_serial 0x4d4435 -out md5-leaf.pem
cp "$tmp/leaf.key" md5-leaf.key
openssl x509 -in md5-leaf.pem -noout -text | grep -m1 "Signature Algorithm"
