package cli

import (
	"bytes"
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// testFactory is NewFactory's on buffers: standard input is empty, out
// and errOut collect what the command writes.
type testFactory struct {
	*Factory
	out, errOut bytes.Buffer
}

func newTestFactory() *testFactory {
	tf := &testFactory{}
	tf.Factory = NewFactory(&IOStreams{In: strings.NewReader(""), Out: &tf.out, ErrOut: &tf.errOut})
	return tf
}

// withIPVS makes c the IPVS table the commands open.
func (tf *testFactory) withIPVS(c ipvsctl.Client) *testFactory {
	tf.OpenIPVS = func() (ipvsctl.Client, error) { return c, nil }
	return tf
}

// run runs cmd on args as lvsctl does and returns its exit status.
func (tf *testFactory) run(cmd *cobra.Command, args ...string) int {
	return runCommand(context.Background(), tf.Factory, cmd, args)
}
