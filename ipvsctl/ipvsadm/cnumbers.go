package ipvsadm

import (
	"strconv"
	"strings"
)

// Numbers as C reads them: ipvsadm's arguments go through strtol, atoi
// and inet_aton, whose rules (leading blanks, signs, octal and hex parts)
// decide which command lines it accepts.

// strtol10 is C's strtol(s, &end, 10) with the checks ipvsadm's
// string_to_number makes: leading space and a sign allowed, the whole
// string consumed, at least one digit.
func strtol10(s string) (int64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return 0, false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, false // ERANGE
	}
	if neg {
		v = -v
	}
	return v, true
}

// stringToNumber is ipvsadm's string_to_number: -1 when out of [min,max].
func stringToNumber(s string, lo, hi int64) int64 {
	v, ok := strtol10(s)
	if !ok || v < lo || v > hi {
		return -1
	}
	return v
}

// atoi is C's atoi: leading digits after optional space and sign, else 0.
func atoi(s string) int64 {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	var v int64
	for i := 0; i < len(t) && t[i] >= '0' && t[i] <= '9' && v < 1<<40; i++ {
		v = v*10 + int64(t[i]-'0')
	}
	if neg {
		v = -v
	}
	return v
}

// truncate is a copy into one of ipvsadm's fixed buffers: s cut to n
// bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// cNumber parses one inet_aton part: digits only, base from the prefix.
func cNumber(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(p) > 1 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		base, p = 16, p[2:]
		if p == "" {
			return 0, true // "0x" is 0 to glibc
		}
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	v, err := strconv.ParseUint(p, base, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}
