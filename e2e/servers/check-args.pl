# external-perl checkcommand for e2e/checks_test.go: falls off the end
# (up) for the lab's real 10.0.1.2:80 called with VIP VPORT RIP RPORT,
# dies (down) otherwise. No exit(): ldirectord evaluates this file inside
# its own process.
die "want 4 arguments, got @ARGV\n" unless @ARGV == 4;
die "wrong real $ARGV[2]:$ARGV[3]\n" unless $ARGV[2] eq "10.0.1.2" && $ARGV[3] eq "80";
