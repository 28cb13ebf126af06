package cli

import (
	"bufio"

	"github.com/lvsctl/lvsctl/ipvsctl"
	"github.com/lvsctl/lvsctl/ipvsctl/ipvsadm"
	"github.com/lvsctl/lvsctl/ipvsctl/netlink"
)

// IpvsadmMain is the ipvsadm personality: argv[0] is printed verbatim in
// messages, as ipvsadm does.
func IpvsadmMain(argv []string, f *Factory) int {
	return runIpvsadm(argv, f, false)
}

// LvsctlMain is ipvsadm's grammar under the name lvsctl: the same, plus
// lvsctl's extensions (--json, -R --atomic).
func LvsctlMain(argv []string, f *Factory) int {
	return runIpvsadm(argv, f, true)
}

func runIpvsadm(argv []string, f *Factory, extensions bool) int {
	ios := f.IOStreams
	// ipvsadm reaches IPVS before it reads its arguments, even for -h.
	client, err := f.OpenIPVS()
	if err != nil {
		msg, code := ipvsadm.OpenFailure(err)
		ios.ErrOut.Write([]byte(msg))
		return code
	}
	defer client.Close()
	r := &ipvsadm.Runner{
		Prog:   argv[0],
		Client: client,
		Res:    f.Resolver,
		Stdin:  ios.In,
		Stdout: bufio.NewWriterSize(ios.Out, 64*1024),
		Stderr: ios.ErrOut,

		Extensions: extensions,
	}
	return r.Main(argv[1:])
}

// OpenKernel opens the netlink client.
func OpenKernel() (ipvsctl.Client, error) {
	c, err := netlink.Open()
	if err != nil {
		return nil, err
	}
	return c, nil
}
