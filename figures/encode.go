package figures

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"regexp"
	"strings"
)

// withPHYs inserts a pHYs chunk (pixels per metre) after a PNG's IHDR, so that viewers and
// journal checks read the resolution the pixels were drawn at instead of assuming 72 dpi.
func withPHYs(png []byte, dpi float64) ([]byte, error) {
	const sigLen, ihdrLen = 8, 8 + 13 + 4 // signature; IHDR: length+type, data, CRC
	if len(png) < sigLen+ihdrLen || string(png[12:16]) != "IHDR" {
		return nil, fmt.Errorf("png: no IHDR chunk after the signature")
	}
	ppm := uint32(dpi/0.0254 + 0.5)
	chunk := make([]byte, 0, 4+4+9+4)
	chunk = binary.BigEndian.AppendUint32(chunk, 9)
	chunk = append(chunk, "pHYs"...)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = append(chunk, 1) // unit: metre
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	at := sigLen + ihdrLen
	out := make([]byte, 0, len(png)+len(chunk))
	out = append(out, png[:at]...)
	out = append(out, chunk...)
	return append(out, png[at:]...), nil
}

// svgFontFallback gives every font-family in an SVG a generic fallback: vgsvg names only the
// theme's typeface, which a viewer without it replaces by its default (often a serif).
func svgFontFallback(svg []byte) []byte {
	// vgsvg's styles name one face, unquoted.
	svgFamily := regexp.MustCompile(`font-family:([^;"',]+);`)
	return svgFamily.ReplaceAllFunc(svg, func(m []byte) []byte {
		name := string(svgFamily.FindSubmatch(m)[1])
		generic := "Arial,Helvetica,sans-serif"
		switch {
		case strings.Contains(name, "Mono"):
			generic = "monospace"
		case strings.Contains(name, "Serif"):
			generic = "serif"
		}
		return []byte("font-family:'" + name + "'," + generic + ";")
	})
}
