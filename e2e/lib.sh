# Sourced by differential sequences. `run CMD...` executes a command and
# appends what it printed and its exit status to the transcript; both
# ipvsadm implementations run the same sequence on a clean table. Few
# processes per command: the lab is emulated.
_err=${TMPDIR:-/tmp}/seq-stderr.$$
# Sequences run in parallel, each in its own network namespace; every
# ipvsadm of theirs holds IPVS_LOCK (ipvsLock in ldconf_pool_test.go says
# why): exclusive for any command, shared for a listing.
ipvsadm() {
	local how=-x
	case "${1:-}" in -L* | -l* | -S* | --list | --save) how=-s ;; esac
	{
		flock "$how" 9
		command ipvsadm "$@" 9>&-
	} 9>>"${IPVS_LOCK:?}"
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
