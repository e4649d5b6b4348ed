package result

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"reflect"
	"strconv"
	"testing"
)

// decodeBoth decodes b with a LineDecoder and with DecodeLine and fails unless both give
// the same result, or both an error. It reports whether the fast path read the line.
func decodeBoth(t *testing.T, d *LineDecoder, b []byte) (fast bool) {
	t.Helper()
	var want, got Result
	werr := DecodeLine("r.jsonl", 1, b, &want)
	gerr := d.Decode("r.jsonl", 1, b, &got)
	switch {
	case (werr == nil) != (gerr == nil):
		t.Fatalf("%q: LineDecoder error %v, DecodeLine error %v", b, gerr, werr)
	case werr != nil && werr.Error() != gerr.Error():
		t.Fatalf("%q: LineDecoder error %q, DecodeLine error %q", b, gerr, werr)
	case !reflect.DeepEqual(got, want):
		t.Fatalf("%q: LineDecoder gives\n%+v\nDecodeLine gives\n%+v", b, got, want)
	}
	var r Result
	s := fastScanner{b: b}
	return s.value(d.root, reflect.ValueOf(&r).Elem(), 0) && s.end()
}

// seedLines are result lines of the repository's studies and test data.
func seedLines(t testing.TB) [][]byte {
	var lines [][]byte
	for _, path := range []string{"../../datasets/sample/results.jsonl", "../../datasets/testdata/study/results.jsonl",
		"../../analysis/testdata/waves/old/results.jsonl", "../../analysis/testdata/waves/new/results.jsonl"} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, MaxLineBytes)
		for sc.Scan() {
			if b := bytes.TrimSpace(sc.Bytes()); len(b) > 0 {
				lines = append(lines, bytes.Clone(b))
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return lines
}

// The fast path reads the lines the toolkit writes, to the same results as DecodeLine,
// and gives up on what it cannot read as encoding/json does.
func TestLineDecoder(t *testing.T) {
	d := NewLineDecoder()
	for _, b := range seedLines(t) {
		// Every seed line is well formed and has no escaped surrogate: the fast path
		// reads it.
		if !decodeBoth(t, d, b) {
			t.Errorf("fast path gave up: %s", b)
		}
	}
	for _, tt := range decoderCases() {
		if got := decodeBoth(t, d, []byte(tt.line)); got != tt.fast {
			t.Errorf("%s: fast path read it: %v, want %v", tt.line, got, tt.fast)
		}
	}
}

// decoderCases are lines TestLineDecoder and FuzzLineDecoder start from: whether the fast
// path reads each (fast) or leaves it to DecodeLine.
func decoderCases() []struct {
	line string
	fast bool
} {
	return []struct {
		line string
		fast bool
	}{
		{`{"host":"a.example","port":443}`, true},
		{`null`, true},
		{`{"host":"a.example","port":443,"extra":{"x":[1,2.5e3,"y",null,true]}}`, true},
		{`{"host":"a.example","HOST":"b.example"}`, false}, // case-folded key
		{`{"host":"a.example","host":"b.example"}`, false}, // key twice
		{`{"host":"caf\u00e9"}`, true},
		{`{"host":"café"}`, true},
		{`{"host":"a\"b\\c\/d\b\f\n\r\t\u00E9\u20ac\u0000"}`, true},
		{`{"vulnerabilities":{"notes":{"k\u00e9y":"v\n"}},"notes":["\u2013"]}`, true},
		{`{"h\u006fst":"a.example"}`, true}, // the key, once unescaped
		{`{"host":"\ud83d\ude00"}`, false},  // a surrogate pair
		{`{"host":"\ud83d"}`, false},        // a lone surrogate
		{`{"host":"caf\xe9"}`, false},       // not an escape
		{`{"host":"a\'b"}`, false},          // not an escape
		{`{"host":"\u00g9"}`, false},        // not hex
		{`{"host":"\u00e"}`, false},         // cut short
		{"{\"host\":\"caf\xe9\"}", false},   // not UTF-8
		{"{\"host\":\"a\tb\"}", false},      // a raw control byte
		{`{"port":443.0}`, false},           // type error
		{`{"port":"443"}`, false},
		{`{"port":99999999999999999999}`, false},
		{`{"port":01}`, false}, // syntax error
		{`{"grade":{"letter":"A"}} x`, false},
		{`{"started_at":null,"certificate":{"not_after":null,"trusted":null}}`, true},
		{`{"started_at":"2026-11-23T00:00:00Z"}`, true},
		{`{"started_at":"yesterday"}`, false},
		{`{"server_order":{"TLS1_2":true,"TLS1_3":false}}`, true},
		{`{"server_order":{"TLS9":true}}`, false}, // UnmarshalText refuses it
		{`{"ciphers":[{"protocol":"TLS1_2","name":"X"}],"alpn":[]}`, true},
		{`{"ciphers":[{"protocol":null}]}`, false},
		{`{"protocols":{"TLS1_3":true,"SSLv2":null}}`, true},
		{`{"protocols":{"TLS1_3":1}}`, false},
		{`{"notes":["a",]}`, false},
		{`{"host":"a.example"`, false},
	}
}

// FuzzLineDecoder: on any line, LineDecoder gives what DecodeLine gives.
func FuzzLineDecoder(f *testing.F) {
	for _, b := range seedLines(f) {
		f.Add(b)
	}
	for _, tt := range decoderCases() {
		f.Add([]byte(tt.line))
	}
	f.Add([]byte(`{"host":"a.example","HOST":"b","port":1e2,"vulnerabilities":{"notes":{"a":"b"}}}`))
	d := NewLineDecoder()
	f.Fuzz(func(t *testing.T, b []byte) {
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			return
		}
		decodeBoth(t, d, b)
	})
}

var benchLines = flag.String("lines", "", "BenchmarkLineDecoder: decode this results.jsonl's lines instead of the repository's")

// BenchmarkLineDecoder decodes the repository's result lines (real probe output of
// the sample study and the waves, and the test study's edge cases), or those of -lines
// FILE, as a study's results.jsonl pass does; MB/s counts the line bytes.
func BenchmarkLineDecoder(b *testing.B) {
	lines := seedLines(b)
	if *benchLines != "" {
		data, err := os.ReadFile(*benchLines)
		if err != nil {
			b.Fatal(err)
		}
		lines = bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	}
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	d := NewLineDecoder()
	var r Result
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, l := range lines {
			if err := d.Decode("r.jsonl", 1, l, &r); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// specialByte never misses a byte the byte-by-byte loop stops at, wherever it sits
// among ordinary bytes.
func TestSpecialByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		special := c == '"' || c == '\\' || c < 0x20 || c >= 0x80
		for pos := 0; pos < 8; pos++ {
			for _, fill := range []byte{'a', ' ', '~', '!', '#', '[', ']'} {
				var x [8]byte
				for i := range x {
					x[i] = fill
				}
				x[pos] = byte(c)
				got := specialByte(binary.LittleEndian.Uint64(x[:]))
				if special && !got {
					t.Fatalf("byte %#x at %d among %q: not flagged", c, pos, fill)
				}
				if !special && got {
					t.Errorf("byte %#x at %d among %q: flagged", c, pos, fill)
				}
			}
		}
	}
}

// parseInt agrees with strconv.ParseInt on JSON numbers at every size's edges.
func TestParseInt(t *testing.T) {
	nums := []string{"0", "-0", "1", "-1", "127", "128", "-128", "-129", "32767", "32768", "-32769",
		"2147483647", "2147483648", "-2147483648", "-2147483649", "999999999999999999",
		"-999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
		"-9223372036854775809", "1.5", "1e3", "-", ""}
	for _, bits := range []int{8, 16, 32, 64} {
		for _, num := range nums {
			want, err := strconv.ParseInt(num, 10, bits)
			got, ok := parseInt([]byte(num), bits)
			if ok != (err == nil) || ok && got != want {
				t.Errorf("parseInt(%q, %d) = %d, %v; strconv: %d, %v", num, bits, got, ok, want, err)
			}
		}
	}
}
