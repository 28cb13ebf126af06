// Package ipvsctl is lvsctl's model of the IPVS table: services,
// destinations, their keys, flags and counters, the Client interface every
// read and write of the table goes through, the kernel's errors, ipvsadm's
// sort order, the diff between two tables, the kernel's connection
// listing, and the JSON form of these values that lvsctl's documents are
// built from.
//
// Its sub-packages are the rest: netlink is the Client that talks to the
// kernel, ipvstest a fake Client for tests, and ipvsadm the ipvsadm
// personality (grammar, runner, output).
package ipvsctl
