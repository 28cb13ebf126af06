package daemon

// RunDir is where ldirectord keeps its pid files.
const RunDir = "/var/run"

// PidPath is ldirectord's pid file for a configuration base name:
// /var/run/ldirectord.CFGNAME.pid.
func PidPath(runDir, cfgName string) string {
	return runDir + "/ldirectord." + cfgName + ".pid"
}

// SocketPath is the daemon's status socket, next to its pid file.
func SocketPath(runDir, cfgName string) string {
	return runDir + "/ldirectord." + cfgName + ".sock"
}
