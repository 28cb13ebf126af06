package ipvstest

import (
	"sync"

	"github.com/lvsctl/lvsctl/ipvsctl"
)

// Batching is a Fake that pipelines writes as the netlink client does
// (ipvsctl.Batcher): between BeginBatch and EndBatch a service,
// destination, flush or zero write returns nil at once and is made, its
// result passed to the batch's callback in call order, at EndBatch or
// before the next read or synchronous write. Like the netlink client it
// holds its lock while the callback runs, so a callback that uses the
// client deadlocks here as it would on the kernel.
type Batching struct {
	*Fake
	mu    sync.Mutex
	done  func(error)
	queue []func() error
}

var _ ipvsctl.Batcher = (*Batching)(nil)

// NewBatching returns f as a Batcher.
func NewBatching(f *Fake) *Batching { return &Batching{Fake: f} }

// BeginBatch starts queueing writes.
func (b *Batching) BeginBatch(done func(err error)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done = done
}

// EndBatch makes the queued writes, reports their results and stops
// queueing.
func (b *Batching) EndBatch() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drainLocked()
	b.done = nil
}

func (b *Batching) drainLocked() {
	q := b.queue
	b.queue = nil
	for _, w := range q {
		b.done(w())
	}
}

// write queues w in a batch, or drains and makes it now.
func (b *Batching) write(w func() error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done != nil {
		b.queue = append(b.queue, w)
		return nil
	}
	return w()
}

// sync lets queued writes land before a read or a synchronous write.
func (b *Batching) sync() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done != nil {
		b.drainLocked()
	}
}

func (b *Batching) Info() (ipvsctl.Info, error) { b.sync(); return b.Fake.Info() }

func (b *Batching) Services() ([]ipvsctl.Service, error) { b.sync(); return b.Fake.Services() }

func (b *Batching) GetService(k ipvsctl.ServiceKey) (ipvsctl.Service, error) {
	b.sync()
	return b.Fake.GetService(k)
}

func (b *Batching) Destinations(s *ipvsctl.Service) ([]ipvsctl.Destination, error) {
	b.sync()
	return b.Fake.Destinations(s)
}

func (b *Batching) Timeouts() (ipvsctl.Timeouts, error) { b.sync(); return b.Fake.Timeouts() }

func (b *Batching) SetTimeouts(t ipvsctl.Timeouts) error { b.sync(); return b.Fake.SetTimeouts(t) }

func (b *Batching) Daemons() ([]ipvsctl.Daemon, error) { b.sync(); return b.Fake.Daemons() }

func (b *Batching) StartDaemon(d *ipvsctl.Daemon) error { b.sync(); return b.Fake.StartDaemon(d) }

func (b *Batching) StopDaemon(d *ipvsctl.Daemon) error { b.sync(); return b.Fake.StopDaemon(d) }

// The writes copy their arguments: a queued write runs after the caller
// has moved on, as the netlink client serializes its request at once.

func (b *Batching) AddService(s *ipvsctl.Service) error {
	c := *s
	return b.write(func() error { return b.Fake.AddService(&c) })
}

func (b *Batching) UpdateService(s *ipvsctl.Service) error {
	c := *s
	return b.write(func() error { return b.Fake.UpdateService(&c) })
}

func (b *Batching) DeleteService(s *ipvsctl.Service) error {
	c := *s
	return b.write(func() error { return b.Fake.DeleteService(&c) })
}

func (b *Batching) Flush() error { return b.write(b.Fake.Flush) }

func (b *Batching) ZeroService(s *ipvsctl.Service) error {
	if s == nil {
		return b.write(func() error { return b.Fake.ZeroService(nil) })
	}
	c := *s
	return b.write(func() error { return b.Fake.ZeroService(&c) })
}

func (b *Batching) AddDestination(s *ipvsctl.Service, d *ipvsctl.Destination) error {
	cs, cd := *s, *d
	return b.write(func() error { return b.Fake.AddDestination(&cs, &cd) })
}

func (b *Batching) UpdateDestination(s *ipvsctl.Service, d *ipvsctl.Destination) error {
	cs, cd := *s, *d
	return b.write(func() error { return b.Fake.UpdateDestination(&cs, &cd) })
}

func (b *Batching) DeleteDestination(s *ipvsctl.Service, d *ipvsctl.Destination) error {
	cs, cd := *s, *d
	return b.write(func() error { return b.Fake.DeleteDestination(&cs, &cd) })
}
