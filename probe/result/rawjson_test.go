package result

import (
	"encoding/json"
	"testing"
)

func TestEditKeys(t *testing.T) {
	edit := func(key string, old json.RawMessage) ([]byte, error) {
		if old == nil {
			return []byte(`"new ` + key + `"`), nil
		}
		return append([]byte(`["was",`), append(old, ']')...), nil
	}
	for _, tc := range []struct{ in, want string }{
		{`{"a":1,"b":{"a":2},"a": 3 }`, `{"a":["was",1],"b":{"a":2},"a": ["was",3],"c":"new c"}`},
		{`{}`, `{"a":"new a","c":"new c"}`},
		{` { } `, ` {"a":"new a","c":"new c"} `},
		{`{"c":null,"x":"}"}`, `{"c":["was",null],"x":"}","a":"new a"}`},
	} {
		got, err := EditKeys([]byte(tc.in), []string{"a", "c"}, edit)
		if err != nil || string(got) != tc.want {
			t.Errorf("EditKeys(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
		if err == nil && !json.Valid(got) {
			t.Errorf("EditKeys(%s) = %s is not JSON", tc.in, got)
		}
	}
	for _, bad := range []string{`[1]`, `{"a":}`, `{"a":1`, ``} {
		if _, err := EditKeys([]byte(bad), []string{"a"}, edit); err == nil {
			t.Errorf("EditKeys(%q) accepted", bad)
		}
	}
}
