package sqlite_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/sqlite"
)

func TestListenSeesCommitsOfOtherStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "listen.db")

	listener, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()

	writer, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()

	ctx, cancel := context.WithCancel(context.Background())

	var calls atomic.Int32

	done := make(chan error, 1)
	go func() {
		done <- listener.Listen(ctx, func(username string) {
			if username != "" {
				t.Errorf("Listen passed %q, want \"\" because SQLite cannot name the user", username)
			}

			calls.Add(1)
		})
	}()

	waitForCalls(t, &calls, 1, "the first call at the start")

	if err := writer.CreateUser(context.Background(), store.User{Username: "zoe", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}

	waitForCalls(t, &calls, 2, "a call after the other store's commit")

	if err := listener.SetDisabled(context.Background(), "zoe", true); err != nil {
		t.Fatal(err)
	}

	waitForCalls(t, &calls, 3, "a call after the listening store's own commit")

	cancel()

	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Listen returned %v after its context ended, want nil", err)
		}
	case <-time.After(listenWait):
		t.Fatalf("Listen did not return within %s of the end of its context", listenWait)
	}
}

// listenWait bounds each wait for Listen. A change takes one poll of
// sqlite.ChangePollInterval to reach Listen, and the rest leaves room for
// a loaded machine.
const listenWait = 10 * time.Second

func waitForCalls(t *testing.T, calls *atomic.Int32, want int32, what string) {
	t.Helper()

	deadline := time.Now().Add(listenWait)
	for calls.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s: %d calls", what, listenWait, calls.Load())
		}

		time.Sleep(10 * time.Millisecond)
	}
}
