#!/bin/sh
# external checkcommand for e2e/checks_test.go that never answers: the
# check must end at checktimeout, down.
exec sleep 600
