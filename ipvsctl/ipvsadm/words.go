package ipvsadm

// Word is one option of the grammar as shell completion offers it.
type Word struct {
	Long  string // without the leading "--"
	Short byte   // 0: none
	// Arg: the word takes an argument (-t ADDR); OptionalArg: it may
	// (-p [TIMEOUT]).
	Arg, OptionalArg bool
}

// Words lists the command words and options of ipvsadm 1.31's grammar, in
// the order of its tables, then, with extensions, lvsctl's (--json,
// --atomic). A long name that two rows share (-L and -l are both --list)
// is listed once, with the first row's short name.
func Words(extensions bool) []Word {
	g := ipvsadmGrammar
	if extensions {
		g = lvsctlGrammar
	}
	var out []Word
	seen := map[string]bool{}
	for _, s := range g.specs {
		if seen[s.long] {
			continue
		}
		seen[s.long] = true
		out = append(out, Word{Long: s.long, Short: s.short, Arg: s.arg == argRequired, OptionalArg: s.arg == argOptional})
	}
	return out
}
