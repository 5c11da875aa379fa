package cluster

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lock takes the machine's node lock, waiting while another test process runs
// the node (test packages take turns), and returns its release.
func lock(ctx context.Context) (func(), error) {
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); _ = f.Close() }, nil
		}
		if err != syscall.EWOULDBLOCK {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", lockPath, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("wait for the node lock %s (another test runs the node): %w", lockPath, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}
