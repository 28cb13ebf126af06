# Sourced by differential sequences. `run CMD...` executes a command and
# appends what it printed and its exit status to the transcript; both
# ipvsadm implementations run the same sequence on a clean table.
run() {
	local out err rc
	out=$(mktemp) err=$(mktemp)
	"$@" >"$out" 2>"$err"
	rc=$?
	{
		printf '$ %s\n' "$*"
		cat "$out"
		[ -s "$err" ] && { printf -- '--- stderr\n'; cat "$err"; }
		printf -- '--- rc %d\n' "$rc"
	} >>"$TRANSCRIPT"
	rm -f "$out" "$err"
}
# note adds a line to the transcript (for steps whose output differs by
# nature, like timing).
note() { printf '# %s\n' "$*" >>"$TRANSCRIPT"; }
