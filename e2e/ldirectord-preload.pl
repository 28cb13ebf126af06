#!/usr/bin/perl
# Runs Debian's ldirectord many times for e2e/ldconf_test.go without paying
# for Perl's module loading each time: under the lab's emulation, loading
# the ~100 modules ldirectord uses (LWP, Net::SMTP, Socket6, ... over 9p)
# is most of a run. The modules are loaded once here, without importing
# anything; each run is a forked child that compiles and runs the
# unmodified /usr/sbin/ldirectord as its main program ("do"), whose own
# `use` lines then find the modules loaded and import from them as usual.
# Mode "exec" runs /usr/sbin/ldirectord as a new process instead, to
# compare the two.
#
# Protocol, one line each, fields separated by tabs:
#   in:  MODE LOGFILE ARG...     (MODE do|exec; stdout+stderr to LOGFILE)
#   out: pid PID                 (the child, leader of its process group)
#        exit PID STATUS         (exit code, or 128+signal)
package LdirectordPreload;
use strict;
use warnings;
use POSIX ();

my $ldirectord = '/usr/sbin/ldirectord';

BEGIN {
	# What ldirectord `use`s (compile time); its `require`s stay lazy.
	require $_ for qw(Getopt/Long.pm Pod/Usage.pm Socket.pm Socket6.pm
		Sys/Hostname.pm POSIX.pm Sys/Syslog.pm LWP/UserAgent.pm
		LWP/Debug.pm Net/HTTP.pm URI.pm IO/Socket.pm IO/Socket/INET6.pm
		IO/Select.pm Net/Ping.pm Digest/MD5.pm Net/SMTP.pm Mail/Send.pm);
}

$| = 1;
print "ready\n";
while (my $line = <STDIN>) {
	chomp $line;
	my ($mode, $log, @args) = split /\t/, $line, -1;
	my $pid = fork;
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		setpgrp(0, 0);
		open STDIN, '<', '/dev/null' or POSIX::_exit(254);
		open STDOUT, '>', $log or POSIX::_exit(254);
		open STDERR, '>&', \*STDOUT or POSIX::_exit(254);
		if ($mode eq 'exec') {
			{ no warnings 'exec'; exec $ldirectord, @args; }
			print STDERR "preload: exec $ldirectord: $!\n";
			POSIX::_exit(254);
		}
		# As perl would run the script: its name, its arguments, and
		# the -w of its #! line.
		$0 = $ldirectord;
		@ARGV = @args;
		$^W = 1;
		{
			package main;
			do $ldirectord;
		}
		print STDERR "preload: $ldirectord: $@\n" if $@;
		# ldirectord always exits on its own.
		POSIX::_exit(254);
	}
	print "pid $pid\n";
	waitpid($pid, 0) == $pid or die "waitpid: $!";
	my $st = $? & 127 ? 128 + ($? & 127) : $? >> 8;
	print "exit $pid $st\n";
}
