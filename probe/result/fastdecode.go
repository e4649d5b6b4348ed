package result

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A LineDecoder decodes result lines exactly as DecodeLine does, several times faster on
// the lines the toolkit writes. Its fast path walks the line once against a plan of the
// Result type made by reflection (so it follows the type as it changes), and gives up on
// anything it does not read the way encoding/json would: an escaped surrogate or a byte
// that is not UTF-8 in a string, a key that matches a field only when case is ignored, a
// key given twice, a value of the wrong type, a number out of range, a syntax error. It
// expects the keys in the order of the fields, as the toolkit writes them, and looks
// further only when a key is not there. A line it
// gives up on is decoded by DecodeLine, which also makes every error message. It never
// guesses: FuzzLineDecoder checks that a line it reads gives what DecodeLine gives.
// A LineDecoder is safe for concurrent use.
type LineDecoder struct {
	root *plan
}

// NewLineDecoder makes the plan of Result.
func NewLineDecoder() *LineDecoder {
	return &LineDecoder{root: planOf(reflect.TypeFor[Result](), map[reflect.Type]*plan{})}
}

// Decode decodes one line into res as DecodeLine does; b is the line without surrounding
// space and not blank.
func (d *LineDecoder) Decode(name string, line int, b []byte, res *Result) error {
	*res = Result{}
	s := fastScanner{b: b}
	if s.value(d.root, reflect.ValueOf(res).Elem(), 0) && s.end() {
		return nil
	}
	return DecodeLine(name, line, b, res)
}

// planKind is how the fast path reads a value of a type.
type planKind uint8

const (
	planUnsupported planKind = iota // any value but null makes the fast path give up
	planBool
	planInt
	planString
	planText // a string-kinded type with UnmarshalText: only strings, through it
	planJSON // a type with UnmarshalJSON: its raw value, through it
	planStruct
	planPtr
	planSlice
	planMap
)

// plan is the fast path's reading of one Go type.
type plan struct {
	kind   planKind
	typ    reflect.Type
	bits   int            // planInt
	elem   *plan          // planPtr, planSlice, planMap (its values)
	key    *plan          // planMap: planString or planText
	fields map[string]int // a JSON name's field, in order
	// order is the fields in declaration order, which is the order the toolkit writes
	// their keys in: the next key is checked against the field after the last one
	// before the map is asked (the map was a quarter of the decoding).
	order []planField
	names []string      // the fields' JSON names, to catch keys that match them by case folding
	empty reflect.Value // planSlice: a slice of length and capacity 0, shared (nothing is ever stored in it)
}

type planField struct {
	name  string
	key   string // `"name":`, as the toolkit writes the key
	index int    // in the struct; also the field's bit in the seen mask
	pos   int    // in plan.order
	plan  *plan
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func planOf(t reflect.Type, seen map[reflect.Type]*plan) *plan {
	if p, ok := seen[t]; ok {
		return p
	}
	p := &plan{typ: t}
	seen[t] = p
	switch {
	case t.Kind() == reflect.Pointer:
		p.kind, p.elem = planPtr, planOf(t.Elem(), seen)
		return p
	case reflect.PointerTo(t).Implements(jsonUnmarshaler):
		p.kind = planJSON
		return p
	case reflect.PointerTo(t).Implements(textUnmarshaler):
		if t.Kind() == reflect.String {
			p.kind = planText
		}
		return p
	}
	switch t.Kind() {
	case reflect.Bool:
		p.kind = planBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.kind, p.bits = planInt, t.Bits()
	case reflect.String:
		p.kind = planString
	case reflect.Slice:
		if t.Elem().Kind() != reflect.Uint8 { // []byte is base64 in JSON
			p.kind, p.elem, p.empty = planSlice, planOf(t.Elem(), seen), reflect.MakeSlice(t, 0, 0)
		}
	case reflect.Map:
		k := planOf(t.Key(), seen)
		if k.kind == planString || k.kind == planText {
			p.kind, p.key, p.elem = planMap, k, planOf(t.Elem(), seen)
		}
	case reflect.Struct:
		planStructFields(p, t, seen)
	}
	return p
}

// planStructFields fills in the fields of a struct plan, or leaves it unsupported when
// encoding/json's field rules go beyond plain, uniquely named, exported fields.
func planStructFields(p *plan, t reflect.Type, seen map[reflect.Type]*plan) {
	if t.NumField() > 64 {
		return
	}
	fields := map[string]int{}
	var order []planField
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			return
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := cutComma(tag)
		if opts != "" && opts != "omitempty" && opts != "omitzero" {
			return // ",string" and the like
		}
		if name == "" {
			name = f.Name
		}
		if _, dup := fields[name]; dup {
			return
		}
		pf := planField{name: name, key: strconv.Quote(name) + ":", index: i, pos: len(order), plan: planOf(f.Type, seen)}
		fields[name] = pf.pos
		order = append(order, pf)
		names = append(names, name)
	}
	p.kind, p.fields, p.order, p.names = planStruct, fields, order, names
}

func cutComma(tag string) (name, opts string, found bool) {
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			return tag[:i], tag[i+1:], true
		}
	}
	return tag, "", false
}

// maxDepth bounds the nesting the fast path follows (encoding/json allows 10000).
const maxDepth = 200

// fastScanner walks one line; each method reports false to give up.
type fastScanner struct {
	b     []byte
	i     int
	bools []bool // newBool's
}

var boolType = reflect.TypeFor[bool]()

// newBool returns a new *bool. A result has dozens (every verdict), so they are cut
// from one array per line rather than allocated one by one; each is still a variable of
// its own.
func (s *fastScanner) newBool() *bool {
	if len(s.bools) == 0 {
		s.bools = make([]bool, 32)
	}
	b := &s.bools[0]
	s.bools = s.bools[1:]
	return b
}

func (s *fastScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// end reports whether only space is left.
func (s *fastScanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

func (s *fastScanner) peek() byte {
	if s.i < len(s.b) && s.b[s.i] > ' ' { // no space: the lines the toolkit writes
		return s.b[s.i]
	}
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *fastScanner) literal(word string) bool {
	if s.hasPrefix(word) {
		s.i += len(word)
		return true
	}
	return false
}

// str reads a string and returns its contents, decoded as encoding/json decodes them:
// the line's own bytes when the string has no escape, a new slice when it has. It gives
// up on bytes that are not UTF-8 (encoding/json would replace them), on escaped
// surrogates (which pair or are replaced) and on anything not JSON.
func (s *fastScanner) str() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	start := s.i + 1
	ascii := true
	for j := start; ; {
		// Eight bytes at a time while none of them is special (a quote, a backslash,
		// a control byte or one outside ASCII); then one byte, which decides.
		for ; j+8 <= len(s.b); j += 8 {
			if specialByte(binary.LittleEndian.Uint64(s.b[j:])) {
				break
			}
		}
		if j >= len(s.b) {
			return nil, false
		}
		switch c := s.b[j]; {
		case c == '"':
			raw := s.b[start:j]
			if !ascii && !utf8.Valid(raw) {
				return nil, false
			}
			s.i = j + 1
			return raw, true
		case c == '\\':
			return s.escaped(start)
		case c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
		j++
	}
}

// escaped reads on a string that starts at b[start] and has an escape.
func (s *fastScanner) escaped(start int) ([]byte, bool) {
	out := make([]byte, 0, 64)
	for j := start; j < len(s.b); {
		c := s.b[j]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				return nil, false
			}
			s.i = j + 1
			return out, true
		case c < 0x20:
			return nil, false
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(s.b) {
			return nil, false
		}
		switch e := s.b[j+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if j+6 > len(s.b) {
				return nil, false
			}
			r, err := strconv.ParseUint(string(s.b[j+2:j+6]), 16, 16)
			if err != nil || utf16.IsSurrogate(rune(r)) {
				return nil, false
			}
			out = utf8.AppendRune(out, rune(r))
			j += 6
			continue
		default:
			return nil, false
		}
		j += 2
	}
	return nil, false
}

// parseInt reads a JSON number as an integer of the given bits, as strconv.ParseInt does
// (which encoding/json calls): no fraction, no exponent, in range.
func parseInt(num []byte, bits int) (int64, bool) {
	digits := num
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 { // 18 digits always fit in an int64
		n, err := strconv.ParseInt(string(num), 10, bits)
		return n, err == nil
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if len(digits) < len(num) {
		n = -n
	}
	if bits < 64 && (n < -1<<(bits-1) || n >= 1<<(bits-1)) {
		return 0, false
	}
	return n, true
}

// specialByte reports whether any byte of x may be '"', '\\', below 0x20 or above 0x7f.
// It may report a byte that is none of these (after one that is), never miss one.
func specialByte(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote := x ^ (ones * '"')
	backslash := x ^ (ones * '\\')
	// (y - ones) & ^y & highs is non-zero when some byte of y is zero, and
	// (x - ones*0x20) & ^x & highs when some byte of x is below 0x20.
	zero := (quote-ones)&^quote | (backslash-ones)&^backslash | (x-ones*0x20)&^x
	return (zero|x)&highs != 0
}

// number reads a JSON number and returns its text.
func (s *fastScanner) number() ([]byte, bool) {
	s.ws()
	start, j := s.i, s.i
	digits := func() int {
		k := j
		for j < len(s.b) && s.b[j] >= '0' && s.b[j] <= '9' {
			j++
		}
		return j - k
	}
	if j < len(s.b) && s.b[j] == '-' {
		j++
	}
	switch {
	case j < len(s.b) && s.b[j] == '0':
		j++
	case digits() == 0:
		return nil, false
	}
	if j < len(s.b) && s.b[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false
		}
	}
	if j < len(s.b) && (s.b[j] == 'e' || s.b[j] == 'E') {
		j++
		if j < len(s.b) && (s.b[j] == '+' || s.b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	s.i = j
	return s.b[start:j], true
}

// skip reads any JSON value and returns its text.
func (s *fastScanner) skip(depth int) ([]byte, bool) {
	if depth > maxDepth {
		return nil, false
	}
	s.ws()
	start := s.i
	switch s.peek() {
	case '"':
		_, ok := s.str()
		return s.b[start:s.i], ok
	case 't', 'f', 'n':
		for _, word := range []string{"true", "false", "null"} {
			if s.literal(word) {
				return s.b[start:s.i], true
			}
		}
		return nil, false
	case '{':
		ok := s.members(func([]byte) bool {
			_, ok := s.skip(depth + 1)
			return ok
		})
		return s.b[start:s.i], ok
	case '[':
		ok := s.elements(func() bool {
			_, ok := s.skip(depth + 1)
			return ok
		})
		return s.b[start:s.i], ok
	}
	return s.number()
}

// value reads a value of p's type into v, which is settable.
func (s *fastScanner) value(p *plan, v reflect.Value, depth int) bool {
	if depth > maxDepth {
		return false
	}
	s.ws()
	start := s.i
	if s.peek() == 'n' {
		if !s.literal("null") {
			return false
		}
		switch p.kind {
		case planPtr, planSlice, planMap:
			if !v.IsNil() {
				v.SetZero()
			}
		case planJSON:
			return s.unmarshalJSON(v, s.b[start:s.i])
		case planText, planUnsupported:
			return false // not sure what encoding/json makes of it
		}
		return true // null leaves any other value as it is
	}
	switch p.kind {
	case planBool:
		switch {
		case s.literal("true"):
			v.SetBool(true)
		case s.literal("false"):
			v.SetBool(false)
		default:
			return false
		}
	case planInt:
		num, ok := s.number()
		if !ok {
			return false
		}
		n, ok := parseInt(num, p.bits)
		if !ok {
			return false
		}
		v.SetInt(n)
	case planString:
		b, ok := s.str()
		if !ok {
			return false
		}
		v.SetString(string(b))
	case planText:
		b, ok := s.str()
		if !ok {
			return false
		}
		return s.unmarshalText(p, v, b)
	case planJSON:
		raw, ok := s.skip(depth + 1)
		if !ok {
			return false
		}
		return s.unmarshalJSON(v, raw)
	case planPtr:
		if v.IsNil() {
			if p.elem.typ == boolType {
				v.Set(reflect.ValueOf(s.newBool()))
			} else {
				v.Set(reflect.New(p.elem.typ))
			}
		}
		return s.value(p.elem, v.Elem(), depth+1)
	case planStruct:
		return s.object(p, v, depth)
	case planSlice:
		return s.array(p, v, depth)
	case planMap:
		return s.mapping(p, v, depth)
	default:
		return false
	}
	return true
}

func (s *fastScanner) unmarshalJSON(v reflect.Value, raw []byte) bool {
	u, ok := v.Addr().Interface().(json.Unmarshaler)
	return ok && u.UnmarshalJSON(raw) == nil
}

func (s *fastScanner) unmarshalText(p *plan, v reflect.Value, b []byte) bool {
	u, ok := v.Addr().Interface().(encoding.TextUnmarshaler)
	return ok && u.UnmarshalText(b) == nil
}

// members reads an object, calling member after each key to read its value.
func (s *fastScanner) members(member func(key []byte) bool) bool {
	if ok, empty := s.open('{', '}'); !ok || empty {
		return ok
	}
	for {
		key, ok := s.str()
		if !ok || s.peek() != ':' {
			return false
		}
		s.i++
		if !member(key) {
			return false
		}
		if more, ok := s.separator('}'); !more {
			return ok
		}
	}
}

// open reads the byte that opens an object or array; empty reports that the closing
// byte follows at once.
func (s *fastScanner) open(opening, closing byte) (ok, empty bool) {
	if s.peek() != opening {
		return false, false
	}
	s.i++
	if s.peek() == closing {
		s.i++
		return true, true
	}
	return true, false
}

// separator reads what follows a member or element: a comma (more) or the closing byte.
func (s *fastScanner) separator(closing byte) (more, ok bool) {
	switch s.peek() {
	case ',':
		s.i++
		return true, true
	case closing:
		s.i++
		return false, true
	}
	return false, false
}

// elements reads an array, calling element to read each value.
func (s *fastScanner) elements(element func() bool) bool {
	if ok, empty := s.open('[', ']'); !ok || empty {
		return ok
	}
	for {
		if !element() {
			return false
		}
		if more, ok := s.separator(']'); !more {
			return ok
		}
	}
}

func (s *fastScanner) object(p *plan, v reflect.Value, depth int) bool {
	if ok, empty := s.open('{', '}'); !ok || empty {
		return ok
	}
	var seen uint64
	next := 0 // in p.order: the field the next key most likely names
	for {
		var f *planField
		// The toolkit writes the keys in the fields' order, some left out (omitempty):
		// the key is most likely one of the fields after the last, with its colon.
		for k := next; k < len(p.order); k++ {
			if s.hasPrefix(p.order[k].key) {
				f = &p.order[k]
				s.i += len(f.key)
				break
			}
		}
		if f == nil {
			key, ok := s.str()
			if !ok || s.peek() != ':' {
				return false
			}
			s.i++
			if k, known := p.fields[string(key)]; known {
				f = &p.order[k]
			} else if foldsTo(key, p.names) {
				return false // encoding/json matches keys regardless of case
			}
		}
		if f != nil {
			next = f.pos + 1
			if seen&(1<<f.index) != 0 {
				return false // a key twice: encoding/json would merge
			}
			seen |= 1 << f.index
			if !s.value(f.plan, v.Field(f.index), depth+1) {
				return false
			}
		} else if _, ok := s.skip(depth + 1); !ok {
			return false
		}
		if more, ok := s.separator('}'); !more {
			return ok
		}
	}
}

// hasPrefix reports whether the line goes on with prefix at s.i.
func (s *fastScanner) hasPrefix(prefix string) bool {
	return len(s.b)-s.i >= len(prefix) && string(s.b[s.i:s.i+len(prefix)]) == prefix
}

// foldsTo reports whether key equals one of names when case is ignored.
func foldsTo(key []byte, names []string) bool {
	for _, name := range names {
		if bytes.EqualFold(key, []byte(name)) {
			return true
		}
	}
	return false
}

func (s *fastScanner) array(p *plan, v reflect.Value, depth int) bool {
	if s.peek() != '[' {
		return false
	}
	v.Set(p.empty) // [] is an empty slice, not nil
	return s.elements(func() bool {
		// Grow and SetLen work on the slice in place, where reflect.Append allocated
		// a slice header for every element.
		n := v.Len()
		v.Grow(1)
		v.SetLen(n + 1)
		return s.value(p.elem, v.Index(n), depth+1)
	})
}

func (s *fastScanner) mapping(p *plan, v reflect.Value, depth int) bool {
	if s.peek() != '{' {
		return false
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(p.typ))
	}
	// SetMapIndex copies key and value into the map, so one of each serves every member.
	k, e := reflect.New(p.key.typ).Elem(), reflect.New(p.elem.typ).Elem()
	return s.members(func(key []byte) bool {
		switch p.key.kind {
		case planString:
			k.SetString(string(key))
		default:
			if !s.unmarshalText(p.key, k, key) {
				return false
			}
		}
		e.SetZero()
		if !s.value(p.elem, e, depth+1) {
			return false
		}
		v.SetMapIndex(k, e)
		return true
	})
}
