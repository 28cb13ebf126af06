// Package netlink is the ipvsctl.Client of the kernel's IPVS: generic
// netlink requests it encodes and decodes itself, writes pipelined in
// batches (ipvsctl.Batcher), listings helped by one read of
// /proc/net/ip_vs (ipvsctl.MultiDestinations), and moby/ipvs for the
// connection timeouts.
package netlink
