package datasets

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteServersCSV writes rows as servers.csv: the columns of ServerColumns, then the Extra
// columns in name order; rows sorted by app_id, host, port, scheme, category, so the same
// rows give the same bytes. Rows are checked as LoadStudy checks them (except that app_id
// is not matched against apps.csv), so what it writes loads back; a bad row is an error
// naming its index. rows is not modified.
func WriteServersCSV(w io.Writer, rows []Server) error {
	sorted := append([]Server(nil), rows...)
	extras := make(map[string]bool)
	for i := range sorted {
		s := &sorted[i]
		host, err := normalizeHost(s.Host)
		if err != nil {
			return fmt.Errorf("write servers: row %d: host %q: %w", i, s.Host, err)
		}
		s.Host = host
		s.AppID = strings.TrimSpace(s.AppID)
		var errs fileErrors
		check := func(column, v string, allowed []string) string {
			norm, _ := enum("servers", i, column, v, allowed, &errs)
			return norm
		}
		s.Scheme = check("scheme", s.Scheme, Schemes())
		s.Category = check("category", s.Category, Categories())
		checkGotaString("servers", i, "app_id", s.AppID, &errs)
		for k, v := range s.Extra {
			if err := checkExtraName(k, ServerColumns()); err != nil {
				return fmt.Errorf("write servers: row %d: %w", i, err)
			}
			extras[k] = true
			checkGotaString("servers", i, k, v, &errs)
		}
		switch {
		case len(errs.errs) > 0:
			ie := errs.errs[0]
			return fmt.Errorf("write servers: row %d: column %q: expected %s, got %q", i, ie.Column, ie.Expected, ie.Got)
		case s.AppID == "":
			return fmt.Errorf("write servers: row %d: empty app_id", i)
		case s.Port < 1 || s.Port > 65535:
			return fmt.Errorf("write servers: row %d: port %d is not 1-65535", i, s.Port)
		}
	}
	extraCols := sortedKeys(extras)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		switch {
		case a.AppID != b.AppID:
			return a.AppID < b.AppID
		case a.Host != b.Host:
			return a.Host < b.Host
		case a.Port != b.Port:
			return a.Port < b.Port
		case a.Scheme != b.Scheme:
			return a.Scheme < b.Scheme
		}
		return a.Category < b.Category
	})
	for i := 1; i < len(sorted); i++ {
		a, b := sorted[i-1], sorted[i]
		if a.AppID == b.AppID && a.Host == b.Host && a.Port == b.Port && a.Scheme == b.Scheme {
			return fmt.Errorf("write servers: %s %s://%s:%d appears twice; servers.csv has one row per app_id, host, port and scheme", a.AppID, a.Scheme, a.Host, a.Port)
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(append(ServerColumns(), extraCols...)); err != nil {
		return fmt.Errorf("write servers: %w", err)
	}
	for _, s := range sorted {
		rec := []string{s.AppID, s.Host, strconv.Itoa(s.Port), s.Scheme, s.Category}
		for _, c := range extraCols {
			rec = append(rec, s.Extra[c])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write servers: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write servers: %w", err)
	}
	return nil
}

// WriteAppsCSV writes apps as apps.csv: the columns of AppColumns, then the Extra columns
// in name order, rows sorted by app_id. Rows are checked as LoadStudy checks them; a bad
// row is an error naming its index. apps is not modified.
func WriteAppsCSV(w io.Writer, apps []App) error {
	sorted := append([]App(nil), apps...)
	extras := make(map[string]bool)
	seen := make(map[string]bool, len(sorted))
	for i := range sorted {
		a := &sorted[i]
		a.ID = strings.TrimSpace(a.ID)
		var errs fileErrors
		a.Platform, _ = enum("apps", i, "platform", a.Platform, Platforms(), &errs)
		a.Availability, _ = enum("apps", i, "availability", a.Availability, Availabilities(), &errs)
		checkGotaString("apps", i, "app_id", a.ID, &errs)
		checkGotaString("apps", i, "name", a.Name, &errs)
		checkGotaString("apps", i, "subcategory", a.Subcategory, &errs)
		for k, v := range a.Extra {
			if err := checkExtraName(k, AppColumns()); err != nil {
				return fmt.Errorf("write apps: row %d: %w", i, err)
			}
			extras[k] = true
			checkGotaString("apps", i, k, v, &errs)
		}
		switch {
		case len(errs.errs) > 0:
			ie := errs.errs[0]
			return fmt.Errorf("write apps: row %d: column %q: expected %s, got %q", i, ie.Column, ie.Expected, ie.Got)
		case a.ID == "":
			return fmt.Errorf("write apps: row %d: empty app_id", i)
		case seen[a.ID]:
			return fmt.Errorf("write apps: app_id %q appears twice", a.ID)
		}
		seen[a.ID] = true
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	extraCols := sortedKeys(extras)
	cw := csv.NewWriter(w)
	if err := cw.Write(append(AppColumns(), extraCols...)); err != nil {
		return fmt.Errorf("write apps: %w", err)
	}
	for _, a := range sorted {
		rec := []string{a.ID, a.Name, a.Platform, a.Availability, a.Subcategory}
		for _, c := range extraCols {
			rec = append(rec, a.Extra[c])
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write apps: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write apps: %w", err)
	}
	return nil
}

// checkExtraName checks that an Extra column name reads back as itself and does not
// shadow a defined column.
func checkExtraName(name string, defined []string) error {
	if name == "" || name != strings.ToLower(strings.TrimSpace(name)) {
		return fmt.Errorf("extra column %q: names are non-empty, trimmed and lower case (the loader normalizes them so)", name)
	}
	for _, d := range defined {
		if name == d {
			return fmt.Errorf("extra column %q is a defined column", name)
		}
	}
	return nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
