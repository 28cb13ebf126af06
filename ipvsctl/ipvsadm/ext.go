package ipvsadm

// lvsctl's extensions to ipvsadm's grammar: --json on listings and
// --atomic on -R. They exist only when the Runner is told so (invoked as
// lvsctl); under the name ipvsadm the scanner never learns them, so they
// fail exactly as in ipvsadm 1.31 ("--json: unknown option").

// extOptionTable holds the extensions' rows, which set no option bit (a
// repeated --json is harmless) and may come before the command word.
var extOptionTable = [...]option{
	{optSpec{"json", 0, argNone}, noBit, func(c *Command, _ *string, _ Resolver) error {
		c.JSON = true
		return nil
	}},
	{optSpec{"atomic", 0, argNone}, noBit, func(c *Command, _ *string, _ Resolver) error {
		c.Atomic = true
		return nil
	}},
}

// extCheck extends ipvsadm's option matrix to the extensions, in its
// words: --json belongs to the list command, --atomic to restore.
func (c *Command) extCheck() error {
	if c.JSON && c.Cmd != CmdList {
		return fail("Illegal 'json' option with the '%s' command", c.Cmd)
	}
	if c.Atomic && c.Cmd != CmdRestore {
		return fail("Illegal 'atomic' option with the '%s' command", c.Cmd)
	}
	return nil
}

// parse reads a command line in the Runner's grammar.
func (r *Runner) parse(args []string) (*Command, error) {
	g := ipvsadmGrammar
	if r.Extensions {
		g = lvsctlGrammar
	}
	return parseGrammar(g, r.Prog, args, r.Res)
}
