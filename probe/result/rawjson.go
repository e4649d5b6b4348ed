package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
)

// Programs that update one field of stored results (regrading, the DROWN pass) edit the
// line in place, so that keys this version does not know survive.

// ReplaceKey returns obj (one JSON object) with the value of its top-level key replaced by
// val, keeping every other byte; a missing key is appended at the end of the object. A key
// given twice has both values replaced, so no reader can see the old one.
func ReplaceKey(obj []byte, key string, val []byte) ([]byte, error) {
	return EditKeys(obj, []string{key}, func(string, json.RawMessage) ([]byte, error) { return val, nil })
}

// EditKeys is ReplaceKey for several keys in one reading of obj: the value of each
// top-level key of keys (every occurrence) becomes what edit returns for it; a key of keys
// that obj lacks is appended, in keys' order, with what edit returns for a nil value.
func EditKeys(obj []byte, keys []string, edit func(key string, val json.RawMessage) ([]byte, error)) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	type span struct {
		start, end int
		val        []byte
	}
	var spans []span
	seen := map[string]bool{}
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
		k, _ := kt.(string)
		if !slices.Contains(keys, k) {
			continue
		}
		seen[k] = true
		end := int(dec.InputOffset())
		start := afterKey
		// Skip the colon and blanks between the key and its value.
		for start < end && (obj[start] == ':' || obj[start] == ' ' || obj[start] == '\t' || obj[start] == '\n' || obj[start] == '\r') {
			start++
		}
		val, err := edit(k, v)
		if err != nil {
			return nil, err
		}
		spans = append(spans, span{start, end, val})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	closing := int(dec.InputOffset()) - 1
	out := make([]byte, 0, len(obj)+64)
	prev := 0
	for _, sp := range spans {
		out = append(out, obj[prev:sp.start]...)
		out = append(out, sp.val...)
		prev = sp.end
	}
	var tail []byte // the members appended before the closing brace
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		val, err := edit(k, nil)
		if err != nil {
			return nil, err
		}
		kb, _ := json.Marshal(k)
		tail = append(append(append(append(tail, ','), kb...), ':'), val...)
	}
	if len(tail) == 0 {
		return append(out, obj[prev:]...), nil
	}
	head := bytes.TrimRight(obj[prev:closing], " \t\r\n")
	out = append(out, head...)
	if bytes.HasSuffix(bytes.TrimRight(out, " \t\r\n"), []byte("{")) {
		tail = tail[1:] // an empty object: no comma before the first member
	}
	out = append(out, tail...)
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
