# Sourced by differential sequences. `run CMD...` executes a command and
# appends what it printed and its exit status to the transcript; both
# ipvsadm implementations run the same sequence on a clean table. Few
# processes per command: the lab is emulated.
_err=${TMPDIR:-/tmp}/seq-stderr.$$
# Sequences run in parallel, each in its own network namespace, but the
# kernel's netlink dump of services (Debian 12's) walks one table shared
# by every namespace and resumes by a position counted across all of
# them: a service added or removed in another namespace between the parts
# of a dump makes the listing repeat or skip one of ours, whichever
# ipvsadm runs. One lock for every ipvsadm of every sequence keeps the
# other namespaces' tables still while one of them is read.
_lock=/run/lvsctl-sequences.lock
ipvsadm() {
	{
		flock 9
		command ipvsadm "$@" 9>&-
	} 9>>"$_lock"
}
run() {
	local rc
	printf '$ %s\n' "$*" >>"$TRANSCRIPT"
	"$@" >>"$TRANSCRIPT" 2>"$_err"
	rc=$?
	if [ -s "$_err" ]; then
		printf -- '--- stderr\n' >>"$TRANSCRIPT"
		cat "$_err" >>"$TRANSCRIPT"
	fi
	printf -- '--- rc %d\n' "$rc" >>"$TRANSCRIPT"
}
# note adds a line to the transcript (for steps whose output differs by
# nature, like timing).
note() { printf '# %s\n' "$*" >>"$TRANSCRIPT"; }
