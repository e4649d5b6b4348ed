package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mhealthsec/mhealthsec/internal/inputerr"
)

type harFile struct {
	Log *struct {
		Version string     `json:"version"`
		Pages   []harPage  `json:"pages"`
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harPage struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type harEntry struct {
	Pageref         string `json:"pageref"`
	StartedDateTime string `json:"startedDateTime"`
	Request         *struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
	Response *struct {
		Status      int    `json:"status"`
		RedirectURL string `json:"redirectURL"`
		Headers     []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"headers"`
	} `json:"response"`
	ServerIPAddress string          `json:"serverIPAddress"`
	Connection      json.RawMessage `json:"connection"`
}

// HARError names the file and JSON path of bad HAR input (the module's one input-position
// error, inputerr.Error).
type HARError = inputerr.Error

// HAR holds what a HAR file says about servers.
type HAR struct {
	Observations []Observation
	// PageHosts are the hosts of the pages' own documents without a leading "www.", the
	// first-party domains of a browser capture: for each page, the host of its first
	// request (the earliest entry whose pageref is the page's id), after following that
	// request's redirects through the file; when no entry belongs to the page, the host of
	// its title if the title is a URL (mitmproxy, Charles).
	PageHosts []string
	Stats     Stats
}

// ReadHAR reads a HAR 1.1 or 1.2 file (log.entries[].request.url, serverIPAddress),
// gzip-compressed or not, with or without a UTF-8 byte-order mark (Fiddler writes one).
// Entries without a usable URL are skipped and counted; a file that is not HAR JSON is an
// error naming the file and the JSON path.
func ReadHAR(r io.Reader, name string) (*HAR, error) {
	r, err := gunzipped(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	var f harFile
	if err := json.Unmarshal(data, &f); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return nil, &HARError{File: name, Path: "$." + te.Field, Err: fmt.Errorf("expected %s, got JSON %s", te.Type, te.Value)}
		case errors.As(err, &se) && int(se.Offset) >= len(data):
			return nil, &HARError{File: name, Path: "$", Err: fmt.Errorf("file ends in the middle of the JSON (truncated?)")}
		case errors.As(err, &se):
			line := 1 + strings.Count(string(data[:min(int(se.Offset), len(data))]), "\n")
			return nil, &HARError{File: name, Line: line, Err: err}
		}
		return nil, &HARError{File: name, Path: "$", Err: err}
	}
	if f.Log == nil {
		return nil, &HARError{File: name, Path: "$.log", Err: errors.New("missing (not a HAR file)")}
	}
	h := &HAR{Stats: Stats{File: name}}
	h.PageHosts = pageHosts(f.Log.Pages, f.Log.Entries)
	for _, e := range f.Log.Entries {
		h.Stats.Packets++
		if e.Request == nil || e.Request.URL == "" {
			h.Stats.skip("without request.url")
			continue
		}
		o, reason := harObservation(e.Request.Method, e.Request.URL)
		if reason != "" {
			h.Stats.skip(reason)
			continue
		}
		if ip := strings.Trim(e.ServerIPAddress, "[]"); net.ParseIP(ip) != nil {
			o.IP = ip
		}
		h.Observations = append(h.Observations, o)
	}
	return h, nil
}

var utf8BOM = []byte("\xef\xbb\xbf")

// pageHosts finds each page's own host (see HAR.PageHosts); www.example.org's API is
// usually api.example.org, so "www." is dropped and the page's domain counts.
func pageHosts(pages []harPage, entries []harEntry) []string {
	// The earliest entry of each page, and the entries by URL to follow redirects.
	first := map[string]int{}
	byURL := map[string]int{}
	for i, e := range entries {
		if e.Request == nil || e.Request.URL == "" {
			continue
		}
		if _, ok := byURL[e.Request.URL]; !ok {
			byURL[e.Request.URL] = i
		}
		if e.Pageref == "" {
			continue
		}
		if j, ok := first[e.Pageref]; !ok || earlier(e.StartedDateTime, entries[j].StartedDateTime) {
			first[e.Pageref] = i
		}
	}
	var hosts []string
	seen := map[string]bool{}
	done := map[int]string{}
	for _, p := range pages {
		u := ""
		if i, ok := first[p.ID]; ok && p.ID != "" {
			u = followRedirects(entries, i, byURL, done)
		} else {
			u = p.Title
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Hostname() == "" || pu.Scheme != "http" && pu.Scheme != "https" {
			continue
		}
		host := strings.TrimPrefix(strings.ToLower(pu.Hostname()), "www.")
		if !seen[host] {
			seen[host] = true
			hosts = append(hosts, host)
		}
	}
	return hosts
}

// earlier reports whether HAR time a is before b; times that do not parse keep file order.
func earlier(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339Nano, a)
	tb, errB := time.Parse(time.RFC3339Nano, b)
	return errA == nil && errB == nil && ta.Before(tb)
}

// followRedirects returns the URL the request of entries[i] ended at: while its response
// is a redirect (3xx with redirectURL or a Location header) to a URL another entry
// requested, that entry's. done memoizes each entry's answer, so every entry is followed
// once however many pages share a chain, and a redirect loop ends where it closes.
func followRedirects(entries []harEntry, i int, byURL map[string]int, done map[int]string) string {
	var path []int
	onPath := map[int]bool{}
	end := ""
	for {
		if u, ok := done[i]; ok {
			end = u
			break
		}
		path = append(path, i)
		onPath[i] = true
		next, ok := redirectTarget(entries[i])
		if !ok {
			end = entries[i].Request.URL
			break
		}
		j, ok := byURL[next]
		if !ok || onPath[j] {
			end = next
			break
		}
		i = j
	}
	for _, k := range path {
		done[k] = end
	}
	return end
}

// redirectTarget is the absolute URL an entry's response redirects to.
func redirectTarget(e harEntry) (string, bool) {
	if e.Response == nil || e.Response.Status < 300 || e.Response.Status > 399 {
		return "", false
	}
	loc := e.Response.RedirectURL
	for _, h := range e.Response.Headers {
		if loc == "" && strings.EqualFold(h.Name, "location") {
			loc = h.Value
		}
	}
	base, err := url.Parse(e.Request.URL)
	ref, err2 := url.Parse(loc)
	if loc == "" || err != nil || err2 != nil {
		return "", false
	}
	return base.ResolveReference(ref).String(), true
}

// harObservation reads one request URL; CONNECT entries (Charles, mitmproxy) carry
// "host:port" or "https://host:port".
func harObservation(method, raw string) (Observation, string) {
	if strings.EqualFold(method, "CONNECT") && !strings.Contains(raw, "://") {
		host, port, err := net.SplitHostPort(raw)
		p, perr := strconv.Atoi(port)
		if err != nil || perr != nil || p <= 0 || p > 65535 || host == "" {
			return Observation{}, "bad CONNECT target"
		}
		return Observation{Host: strings.ToLower(host), Port: p, Scheme: HTTPS, Source: "har"}, ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return Observation{}, "bad request.url"
	}
	o := Observation{Host: strings.ToLower(u.Hostname()), Source: "har"}
	switch strings.ToLower(u.Scheme) {
	case "https", "wss":
		o.Scheme, o.Port = HTTPS, 443
	case "http", "ws":
		o.Scheme, o.Port = HTTP, 80
	default:
		return Observation{}, "scheme not http(s)"
	}
	if ps := u.Port(); ps != "" {
		p, err := strconv.Atoi(ps)
		if err != nil || p <= 0 || p > 65535 {
			return Observation{}, "bad port in request.url"
		}
		o.Port = p
	}
	return o, ""
}
