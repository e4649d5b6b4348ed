package tlswire_test

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"

	"github.com/mhealthsec/mhealthsec/probe/tlswire"
)

// A CBC record sealed by one side opens on the other; the same record with its padding
// bytes changed (all but the last, as a POODLE probe sends it) is refused.
func ExampleCBCProtector() {
	key, macKey := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, sha1.Size)
	client, _ := tlswire.NewCBCProtector(tlswire.VersionTLS12, key, macKey, nil, sha1.New)
	server, _ := tlswire.NewCBCProtector(tlswire.VersionTLS12, key, macKey, nil, sha1.New)

	payload := client.Seal(tlswire.RecordApplicationData, []byte("GET / HTTP/1.1\r\n\r\n"))
	plain, err := server.Open(tlswire.RecordApplicationData, payload)
	fmt.Printf("%q %v\n", plain, err)

	// Content, a valid MAC, then padding whose length byte alone is right.
	content := []byte("ping")
	data := tlswire.AppendCBCPadding(append(content, client.MAC(tlswire.RecordApplicationData, content)...), client.BlockSize())
	data[len(data)-2] ^= 0xff
	payload, _ = client.Encrypt(data)
	_, err = server.Open(tlswire.RecordApplicationData, payload)
	fmt.Println(errors.Is(err, tlswire.ErrCBCPadding))
	// Output:
	// "GET / HTTP/1.1\r\n\r\n" <nil>
	// true
}
