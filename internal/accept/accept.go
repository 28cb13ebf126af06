// Package accept is the accept loop every listener of lvsctl runs: each
// connection is handled on its own goroutine, and stopping waits for all
// of them, so no handler outlives the listener's owner.
package accept

import (
	"net"
	"sync"
)

// Serve runs handle on every connection ln accepts, each on its own
// goroutine, and closes the connection when handle returns. stop closes
// ln and returns once the loop and every handler have ended; a handler
// that may block must be ended by its owner first (a deadline on the
// connection, a cancelled context).
func Serve(ln net.Listener, handle func(net.Conn)) (stop func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return func() {
		ln.Close()
		wg.Wait()
	}
}
