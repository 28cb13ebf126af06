// Package testutil holds the helpers the tests of several packages share
// (cli, director, checks, e2e): files, waiting on a condition, a buffer
// several goroutines write, and reading a systemd unit. Only tests import
// it.
package testutil
