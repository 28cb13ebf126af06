// Package ldconf reads ldirectord.cf files the way Debian's ldirectord
// 4.12 does: the same directives, defaults, quoting, comment and
// indentation rules, accepted and rejected files and error texts
// (testdata/ldirectord holds the goldens; docs/compat.md lists where
// lvsctl deliberately differs).
//
// Reading is split into stages, each in its own file:
//
//   - lexer.go: lines → tokens (global lines, virtual headers, block lines,
//     block ends), applying the comment, tab and indentation rules;
//   - parse*.go: tokens → syntactic model, one directive at a time,
//     stopping at the first error like ldirectord (LoadAll reads on and
//     collects every error, for lvsctl's ldirectord --check);
//   - explain.go: lvsctl's words for ldirectord's terse errors, with the
//     offending value and what was maybe meant (Diagnostic.Text);
//   - resolve.go, real.go, fallback.go: host and service names of each
//     virtual block, resolved when the block ends (ldirectord's order, so
//     the same error wins);
//   - defaults.go: derived settings (timeouts fallback chain, check port,
//     check URL, global ▸ virtual precedence), ldirectord's ld_setup;
//   - validate.go: what ipvsadm or the kernel would refuse, and the
//     deliberate deviations, reported as warnings;
//   - table.go: the IPVS table the configuration asks for.
package ldconf
