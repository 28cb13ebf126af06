package ipvsctl

import (
	"errors"
	"strconv"
	"syscall"
)

// Op names a kernel operation; ipvsadm words some errors per operation.
type Op int

// Kernel operations.
const (
	OpInit Op = iota
	OpAddService
	OpUpdateService
	OpDeleteService
	OpZero
	OpAddDest
	OpUpdateDest
	OpDeleteDest
	OpStartDaemon
	OpStopDaemon
	OpGetServices
	OpGetDests
	OpGetService
	OpFlush
	OpGetInfo
	OpGetTimeouts
	OpSetTimeouts
	OpGetDaemons
)

// KernelError is an errno returned by IPVS for an operation.
type KernelError struct {
	Op    Op
	Errno syscall.Errno
}

func (e *KernelError) Error() string { return Strerror(e.Op, e.Errno) }

// Unwrap lets errors.Is match the errno.
func (e *KernelError) Unwrap() error { return e.Errno }

// ErrNoIPVS says the kernel has no IPVS (the generic netlink family is
// missing even after modprobe).
var ErrNoIPVS = errors.New("IPVS not available in this kernel")

type opErrno struct {
	op    Op
	errno syscall.Errno
}

// The messages ipvsadm prints for errors of specific operations.
var opMessages = map[opErrno]string{
	{OpAddService, syscall.EEXIST}:    "Service already exists",
	{OpAddService, syscall.ENOENT}:    "Scheduler or persistence engine not found",
	{OpUpdateService, syscall.ESRCH}:  "No such service",
	{OpUpdateService, syscall.ENOENT}: "Scheduler or persistence engine not found",
	{OpDeleteService, syscall.ESRCH}:  "No such service",
	{OpZero, syscall.ESRCH}:           "No such service",
	{OpAddDest, syscall.ESRCH}:        "Service not defined",
	{OpAddDest, syscall.EEXIST}:       "Destination already exists",
	{OpUpdateDest, syscall.ESRCH}:     "Service not defined",
	{OpUpdateDest, syscall.ENOENT}:    "No such destination",
	{OpDeleteDest, syscall.ESRCH}:     "Service not defined",
	{OpDeleteDest, syscall.ENOENT}:    "No such destination",
	{OpStartDaemon, syscall.EEXIST}:   "Daemon has already run",
	{OpStopDaemon, syscall.ESRCH}:     "No daemon is running",
	{OpGetServices, syscall.ESRCH}:    "No such service",
	{OpGetDests, syscall.ESRCH}:       "No such service",
	{OpGetService, syscall.ESRCH}:     "No such service",
}

// The messages ipvsadm prints for an errno whatever the operation.
var errnoMessages = map[syscall.Errno]string{
	syscall.EPERM:        "Permission denied (you must be root)",
	syscall.EINVAL:       "Invalid operation.  Possibly wrong module version, address not unicast, ...",
	syscall.ENOPROTOOPT:  "Protocol not available",
	syscall.ENOMEM:       "Memory allocation problem",
	syscall.EOPNOTSUPP:   "Operation not supported with IPv6",
	syscall.EAFNOSUPPORT: "Operation not supported with specified address family",
	syscall.EMSGSIZE:     "Module is wrong version",
}

// Strerror words an errno the way ipvsadm does for that operation, falling
// back to the C library's text.
func Strerror(op Op, errno syscall.Errno) string {
	if m, ok := opMessages[opErrno{op, errno}]; ok {
		return m
	}
	if m, ok := errnoMessages[errno]; ok {
		return m
	}
	return cStrerror(errno)
}

// cStrerror is glibc's strerror text: Go's table is the same text with the
// first letter lowered.
func cStrerror(errno syscall.Errno) string {
	s := errno.Error()
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		if s == "" || s[:5] == "errno" {
			return "Unknown error " + strconv.Itoa(int(errno))
		}
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
