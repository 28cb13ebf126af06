package ldconf

// DefaultConfig is the configuration ldirectord reads when given only an
// action.
const DefaultConfig = "ldirectord.cf"

// Resolve finds the configuration file for name as ldirectord does: the
// first regular file among HADIR/name, HADIR/conf/name and name itself.
// The candidates are plain concatenations, as in ldirectord, so an
// absolute name is looked up under /etc/ha.d first too. A missing file is
// a *NotFoundError (exit status 1).
func Resolve(name string, opts ...Option) (string, error) {
	o := buildOptions(opts)
	tried := []string{o.HADir + "/" + name, o.HADir + "/conf/" + name, name}
	for _, p := range tried {
		if o.FS.IsFile(p) {
			return p, nil
		}
	}
	return "", &NotFoundError{Name: name, Tried: tried}
}
