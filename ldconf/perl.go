package ldconf

import (
	"regexp"
	"strconv"
)

// Perl's \s: unlike Go's \s it includes the vertical tab.
const ws = `[\t\n\x0B\f\r ]`

var (
	reDigits    = regexp.MustCompile(`\d+`)
	reWord      = regexp.MustCompile(`\w+`)
	reLowercase = regexp.MustCompile(`[a-z]+`)
	reNonSpace  = regexp.MustCompile(`\S+`)
	reAnyNonWS  = regexp.MustCompile(`[^\t\n\x0B\f\r ]`)
)

// firstDigits is Perl's `$v =~ /(\d+)/`: the first run of digits.
func firstDigits(v string) (string, bool) {
	d := reDigits.FindString(v)
	return d, d != ""
}

// perlTrue is Perl's truth of a string: "" and "0" are false, "00" is
// true.
func perlTrue(s string) bool { return s != "" && s != "0" }

// digitsValue converts a run of digits, saturating instead of failing:
// ldirectord keeps the text and ipvsadm or the kernel rejects big values,
// so callers compare against limits rather than trust the conversion.
func digitsValue(d string) uint64 {
	v, err := strconv.ParseUint(d, 10, 64)
	if err != nil {
		return ^uint64(0)
	}
	return v
}
