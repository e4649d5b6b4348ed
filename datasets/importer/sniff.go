package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Format is a kind of input file the toolkit reads, as Sniff tells it from the content.
type Format int

// Formats Sniff tells apart.
const (
	FormatUnknown Format = iota
	FormatTestssl        // testssl.sh --jsonfile (flat) or --jsonfile-pretty
	FormatSSLLabs        // SSL Labs API host object(s)
	FormatHAR            // HTTP archive
	FormatPcap           // libpcap capture
	FormatPcapng         // pcapng capture
	FormatGzip           // gzip-compressed data of any kind
	FormatResults        // probe results, one JSON object per line
)

// String says what the file is, for messages: "SSL Labs API JSON".
func (f Format) String() string {
	switch f {
	case FormatTestssl:
		return "testssl.sh JSON"
	case FormatSSLLabs:
		return "SSL Labs API JSON"
	case FormatHAR:
		return "a HAR (HTTP archive)"
	case FormatPcap:
		return "a pcap capture"
	case FormatPcapng:
		return "a pcapng capture"
	case FormatGzip:
		return "gzip-compressed data"
	case FormatResults:
		return "probe results (JSONL)"
	}
	return "of unknown format"
}

// Command is what to do with a file of this format: the mhealthsec command that reads it.
func (f Format) Command() string {
	switch f {
	case FormatTestssl:
		return "read it with `mhealthsec import testssl`"
	case FormatSSLLabs:
		return "read it with `mhealthsec import ssllabs`"
	case FormatHAR:
		return "read it with `mhealthsec ingest har`"
	case FormatPcap, FormatPcapng:
		return "read it with `mhealthsec ingest pcap`"
	case FormatGzip:
		return "gunzip it first"
	case FormatResults:
		return "it needs no import: `mhealthsec grade` and `mhealthsec analyze` read it as it is"
	}
	return ""
}

var utf8BOM = []byte("\xef\xbb\xbf")

// sniffKeys bounds how many keys of the first JSON object Sniff reads: the keys that tell
// the formats apart come first in every tool's output, and the bound keeps Sniff's cost
// independent of the file's size.
const sniffKeys = 32

// Sniff tells which of the formats the toolkit reads b holds, from its magic number or,
// for JSON, from the keys of its first object (a leading UTF-8 byte-order mark and white
// space are skipped). It reads at most the first sniffKeys keys; FormatUnknown means none
// of the formats matched, or b is not well-formed as far as it was read.
func Sniff(b []byte) Format {
	if len(b) >= 4 {
		switch string(b[:4]) {
		case "\xa1\xb2\xc3\xd4", "\xd4\xc3\xb2\xa1", "\xa1\xb2\x3c\x4d", "\x4d\x3c\xb2\xa1":
			return FormatPcap
		case "\x0a\x0d\x0d\x0a":
			return FormatPcapng
		}
	}
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		return FormatGzip
	}
	b = bytes.TrimLeft(bytes.TrimPrefix(b, utf8BOM), " \t\r\n")
	if len(b) == 0 || b[0] != '{' && b[0] != '[' {
		return FormatUnknown
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	array := b[0] == '['
	if array {
		if _, err := dec.Token(); err != nil {
			return FormatUnknown
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return FormatUnknown
	}
	seen := map[string]bool{}
	decide := func() Format {
		switch {
		case seen["scanResult"] && !array, seen["id"] && seen["finding"] && array:
			return FormatTestssl
		case seen["log"] && !array:
			return FormatHAR
		case seen["host"] && (seen["endpoints"] || seen["status"] || seen["criteriaVersion"] || seen["engineVersion"] || seen["isPublic"]):
			return FormatSSLLabs
		case seen["target"] && (seen["source"] || seen["protocols"]) && !array:
			return FormatResults
		}
		return FormatUnknown
	}
	for range sniffKeys {
		t, err := dec.Token()
		if err != nil {
			return FormatUnknown
		}
		k, ok := t.(string)
		if !ok { // end of the object
			break
		}
		seen[k] = true
		if f := decide(); f != FormatUnknown {
			return f
		}
		var skip skipValue
		if err := dec.Decode(&skip); err != nil {
			return FormatUnknown
		}
	}
	return decide()
}

// skipValue consumes a JSON value without keeping it.
type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }

// expectFormat refuses data that Sniff recognises as another format than want, saying
// what the file is and what reads it.
func expectFormat(file string, data []byte, want Format) error {
	f := Sniff(data)
	if f == FormatUnknown || f == want {
		return nil
	}
	return &PathError{File: file, Err: fmt.Errorf("this file is %s, not %s: %s", f, want, f.Command())}
}
