package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
)

type harFile struct {
	Log *struct {
		Version string `json:"version"`
		Pages   []struct {
			Title string `json:"title"`
		} `json:"pages"`
		Entries []struct {
			Request *struct {
				Method string `json:"method"`
				URL    string `json:"url"`
			} `json:"request"`
			ServerIPAddress string          `json:"serverIPAddress"`
			Connection      json.RawMessage `json:"connection"`
		} `json:"entries"`
	} `json:"log"`
}

// HARError names the file and JSON path of bad HAR input.
type HARError struct {
	File, Path string
	Err        error
}

func (e *HARError) Error() string { return fmt.Sprintf("%s: %s: %v", e.File, e.Path, e.Err) }
func (e *HARError) Unwrap() error { return e.Err }

// HAR holds what a HAR file says about servers.
type HAR struct {
	Observations []Observation
	// PageHosts are the hosts of the pages' URLs (log.pages[].title when it is a URL)
	// without a leading "www.", the first-party domains of a browser capture.
	PageHosts []string
	Stats     Stats
}

// ReadHAR reads a HAR 1.2 file (log.entries[].request.url, serverIPAddress). Entries
// without a usable URL are skipped and counted; a file that is not HAR JSON is an error
// naming the file and the JSON path.
func ReadHAR(r io.Reader, name string) (*HAR, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
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
			return nil, &HARError{File: name, Path: fmt.Sprintf("line %d", line), Err: err}
		}
		return nil, &HARError{File: name, Path: "$", Err: err}
	}
	if f.Log == nil {
		return nil, &HARError{File: name, Path: "$.log", Err: errors.New("missing (not a HAR file)")}
	}
	h := &HAR{Stats: Stats{File: name}}
	for _, p := range f.Log.Pages {
		if u, err := url.Parse(p.Title); err == nil && u.Hostname() != "" && (u.Scheme == "http" || u.Scheme == "https") {
			// www.example.org's API is usually api.example.org: the page's domain counts.
			h.PageHosts = append(h.PageHosts, strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."))
		}
	}
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
