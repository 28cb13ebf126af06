package checks

import (
	"errors"
	"io"
)

// Just enough ASN.1 BER for LDAP's bind and search (RFC 4511): definite
// lengths, single-byte tags.

func berTLV(tag byte, content ...[]byte) []byte {
	n := 0
	for _, c := range content {
		n += len(c)
	}
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	for _, c := range content {
		out = append(out, c...)
	}
	return out
}

func berInt(tag byte, v int) []byte {
	// Small non-negative values only: message ids, enums, limits.
	if v < 0x80 {
		return berTLV(tag, []byte{byte(v)})
	}
	if v < 0x8000 {
		return berTLV(tag, []byte{byte(v >> 8), byte(v)})
	}
	return berTLV(tag, []byte{0, byte(v >> 16), byte(v >> 8), byte(v)})
}

var errBER = errors.New("malformed BER")

// berNext splits the first element off b.
func berNext(b []byte) (tag byte, content, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, errBER
	}
	tag = b[0]
	n, hl := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return 0, nil, nil, errBER
		}
		n = 0
		for _, x := range b[2 : 2+k] {
			n = n<<8 | int(x)
		}
		hl += k
	}
	if n < 0 || len(b)-hl < n {
		return 0, nil, nil, errBER
	}
	return tag, b[hl : hl+n], b[hl+n:], nil
}

func berIntValue(b []byte) int {
	v := 0
	for _, x := range b {
		v = v<<8 | int(x)
	}
	return v
}

// berRead reads one whole element from r, at most max bytes.
func berRead(r io.Reader, max int) ([]byte, error) {
	hdr := make([]byte, 2, 6)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, err
	}
	n := int(hdr[1])
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 {
			return nil, errBER
		}
		ext := make([]byte, k)
		if _, err := io.ReadFull(r, ext); err != nil {
			return nil, err
		}
		hdr = append(hdr, ext...)
		n = 0
		for _, x := range ext {
			n = n<<8 | int(x)
		}
	}
	if n < 0 || n > max {
		return nil, errMsgTooLong
	}
	msg := make([]byte, len(hdr)+n)
	copy(msg, hdr)
	if _, err := io.ReadFull(r, msg[len(hdr):]); err != nil {
		return nil, err
	}
	return msg, nil
}
