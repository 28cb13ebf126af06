package ipvsctl

import "fmt"

// ReadKernelTable reads the kernel's table: services and their
// destinations, in ipvsadm's order.
func ReadKernelTable(c Client) ([]VirtualService, error) {
	svcs, err := c.Services()
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	SortServices(svcs)
	out := make([]VirtualService, 0, len(svcs))
	for i := range svcs {
		ds, err := c.Destinations(&svcs[i])
		if err != nil {
			return nil, fmt.Errorf("list real servers of %s: %w", &svcs[i], err)
		}
		SortDestinations(ds)
		out = append(out, VirtualService{Service: svcs[i], Destinations: ds})
	}
	return out, nil
}
