package ipvsctl

// Schedulers are the schedulers Linux ships (ip_vs_NAME modules), in
// ipvsadm -h's order. The kernel is the judge of any other name: a module
// of its own may exist.
var Schedulers = []string{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"}
