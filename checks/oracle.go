package checks

import "context"

func (Oracle) Check(context.Context, Target) Result {
	return down("service oracle is not supported", ErrOracle)
}
