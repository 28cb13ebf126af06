// Package ipvsadm is ipvsadm 1.31 over an ipvsctl.Client: its command-line
// grammar (a popt-like scanner and the table of commands and options), the
// Runner that executes, lists and restores, and its output byte for byte
// (listings, -S rules, -Lc connection entries, help, and errors with
// ipvsadm's texts and exit statuses). lvsctl's extensions (--json,
// --atomic) exist only when asked for. lvsctl diff and apply read their
// table files in this grammar and run their changes as its commands.
package ipvsadm
