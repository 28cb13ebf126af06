package daemon

import "syscall"

// UmaskBits are the permission bits the daemon never grants on what it
// creates: write for the group, anything for others. Its log and
// monitor files can hold what its checks saw, and the commands it runs
// (fallbackcommand, execute=, callbacks) inherit the mask.
const UmaskBits = 0o027

// RestrictUmask adds UmaskBits to the process's umask (an admin's
// stricter mask stays) and returns the mask it had.
func RestrictUmask() (old int) {
	old = syscall.Umask(UmaskBits)
	syscall.Umask(old | UmaskBits)
	return old
}
