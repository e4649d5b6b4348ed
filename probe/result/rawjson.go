package result

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Programs that update one field of stored results (regrading, the DROWN pass) edit the
// line in place, so that keys this version does not know survive.

// ReplaceKey returns obj (one JSON object) with the value of its top-level key replaced by
// val, keeping every other byte; a missing key is appended at the end of the object. A key
// given twice has both values replaced, so no reader can see the old one.
func ReplaceKey(obj []byte, key string, val []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	type span struct{ start, end int }
	var spans []span
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		afterKey := int(dec.InputOffset())
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if k, _ := kt.(string); k != key {
			continue
		}
		end := int(dec.InputOffset())
		start := afterKey
		// Skip the colon and blanks between the key and its value.
		for start < end && (obj[start] == ':' || obj[start] == ' ' || obj[start] == '\t' || obj[start] == '\n' || obj[start] == '\r') {
			start++
		}
		spans = append(spans, span{start, end})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if len(spans) > 0 {
		out := make([]byte, 0, len(obj)+len(val))
		prev := 0
		for _, sp := range spans {
			out = append(out, obj[prev:sp.start]...)
			out = append(out, val...)
			prev = sp.end
		}
		return append(out, obj[prev:]...), nil
	}
	closing := int(dec.InputOffset()) - 1
	head := bytes.TrimRight(obj[:closing], " \t\r\n")
	out := append([]byte{}, head...)
	if head[len(head)-1] != '{' {
		out = append(out, ',')
	}
	kb, _ := json.Marshal(key)
	out = append(out, kb...)
	out = append(out, ':')
	out = append(out, val...)
	return append(out, obj[closing:]...), nil
}

// KeyValue returns the value of obj's top-level key (the last, if given twice), and
// whether it is there.
func KeyValue(obj []byte, key string) (json.RawMessage, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	tok, err := dec.Token()
	if err != nil {
		return nil, false, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, false, errors.New("not a JSON object")
	}
	var val json.RawMessage
	found := false
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, false, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false, err
		}
		if k, _ := kt.(string); k == key {
			val, found = v, true
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, false, err
	}
	return val, found, nil
}
