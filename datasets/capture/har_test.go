package capture

import (
	"bytes"
	"compress/gzip"
	"reflect"
	"strings"
	"testing"
)

// harPageref is shaped like a browser's export: the page title is a title, not a URL,
// and the page's document was reached through a redirect.
const harPageref = `{"log":{"version":"1.2","creator":{"name":"Firefox","version":"120.0"},
"pages":[{"id":"page_1","title":"Steps – your health diary","startedDateTime":"2026-11-23T12:00:00.000+01:00"}],
"entries":[
 {"pageref":"page_1","startedDateTime":"2026-11-23T12:00:01.000+01:00","request":{"method":"GET","url":"https://cdn.other.example/app.js"},"response":{"status":200,"headers":[]}},
 {"pageref":"page_1","startedDateTime":"2026-11-23T12:00:00.100+01:00","request":{"method":"GET","url":"http://steps.example/"},"response":{"status":301,"redirectURL":"","headers":[{"name":"Location","value":"https://www.steps-health.example/start"}]}},
 {"pageref":"page_1","startedDateTime":"2026-11-23T12:00:00.300+01:00","request":{"method":"GET","url":"https://www.steps-health.example/start"},"response":{"status":200,"headers":[]}}
]}}`

func TestReadHARPageHostsAndBOM(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(harPageref))
	zw.Close()
	for name, in := range map[string][]byte{
		"plain":          []byte(harPageref),
		"utf-8 bom":      append([]byte("\xef\xbb\xbf"), harPageref...),
		"gzip":           gz.Bytes(),
		"title fallback": []byte(strings.ReplaceAll(harPageref, `"pageref":"page_1",`, "")),
	} {
		h, err := ReadHAR(bytes.NewReader(in), "x.har")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want := []string{"steps-health.example"}
		if name == "title fallback" {
			want = nil // a title that is not a URL names no host
		}
		if !reflect.DeepEqual(h.PageHosts, want) {
			t.Errorf("%s: page hosts %v, want %v", name, h.PageHosts, want)
		}
		if len(h.Observations) != 3 {
			t.Errorf("%s: %d observations, want 3", name, len(h.Observations))
		}
	}
}

func TestFollowRedirectsLoop(t *testing.T) {
	loop := `{"log":{"pages":[{"id":"p"}],"entries":[
 {"pageref":"p","request":{"url":"https://a.example/"},"response":{"status":302,"redirectURL":"https://b.example/"}},
 {"pageref":"p","request":{"url":"https://b.example/"},"response":{"status":302,"redirectURL":"/x"}},
 {"request":{"url":"https://b.example/x"},"response":{"status":302,"redirectURL":"https://a.example/"}}]}}`
	h, err := ReadHAR(strings.NewReader(loop), "loop.har")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h.PageHosts, []string{"a.example"}) {
		t.Errorf("page hosts %v, want the loop to end back at a.example", h.PageHosts)
	}
}
