package paths

import (
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
)

// FreePort returns a TCP port on 127.0.0.1 that nothing listens on now. It is
// drawn below Linux's ephemeral range (32768-60999): a port from that range can
// be taken by any outgoing connection before the caller's process listens on
// it, which under load is seconds later.
func FreePort() (int, error) {
	const low, high = 20000, 32768
	for range 100 {
		port := low + rand.IntN(high-low)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		_ = l.Close()
		return port, nil
	}
	return 0, errors.New("no free port on 127.0.0.1 between 20000 and 32767")
}
