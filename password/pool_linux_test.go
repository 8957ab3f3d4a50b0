package password_test

import (
	"context"
	"syscall"
	"testing"

	"github.com/scopegate/scopegate/password"
)

// threadNice returns the nice value of the calling OS thread. The raw
// getpriority system call returns 20 minus the nice value.
func threadNice(t *testing.T) int {
	t.Helper()

	priority, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
	if err != nil {
		t.Fatalf("getpriority: %v", err)
	}

	return 20 - priority
}

func TestPoolLowPriorityThreads(t *testing.T) {
	tests := []struct {
		name        string
		lowPriority bool
		want        int
	}{
		{"low priority", true, 19},
		{"normal priority", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == 0 && threadNice(t) != 0 {
				t.Skip("the test process itself does not run at nice 0")
			}

			pool := newTestPool(t, password.PoolConfig{Workers: 1, LowPriority: tt.lowPriority})

			var got int
			if err := pool.Run(context.Background(), func() { got = threadNice(t) }); err != nil {
				t.Fatalf("Run: %v", err)
			}

			if got != tt.want {
				t.Errorf("nice value of the worker's thread = %d, want %d", got, tt.want)
			}
		})
	}
}
