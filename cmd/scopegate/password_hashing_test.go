package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/scopegate/scopegate/server"
)

func TestPasswordYieldFlagDefaultsOn(t *testing.T) {
	flag := newServeCommand(&globalOptions{}).Flags().Lookup("password-yield")
	if flag == nil {
		t.Fatal("serve has no --password-yield flag")
	}

	if flag.DefValue != "true" {
		t.Errorf("--password-yield default = %q, want true", flag.DefValue)
	}
}

func TestPasswordPoolConfigYield(t *testing.T) {
	activity := &server.Activity{}

	tests := []struct {
		name     string
		opts     serveOptions
		wantBusy bool
	}{
		{"yield with a child", serveOptions{passwordProcess: "idle", passwordYield: true}, true},
		{"no yield", serveOptions{passwordProcess: "idle", passwordYield: false}, false},
		{"yield off with set workers", serveOptions{passwordProcess: "off", passwordWorkers: 2, passwordYield: true},
			true},
		// The default workers of off already leave a CPU free.
		{"yield off with default workers", serveOptions{passwordProcess: "off", passwordYield: true}, false},
	}

	for _, tt := range tests {
		tt.opts.passwordQueue = 3
		tt.opts.passwordMaxWait = time.Second

		cfg := passwordPoolConfig(&tt.opts, 2, activity)

		if got := cfg.Busy != nil; got != tt.wantBusy {
			t.Errorf("%s: pool has Busy = %t, want %t", tt.name, got, tt.wantBusy)
		}

		if cfg.Workers != 2 || cfg.QueueSize != 3 || cfg.MaxWait != time.Second {
			t.Errorf("%s: pool config %+v, want 2 workers, queue 3 and max wait 1s", tt.name, cfg)
		}
	}
}

func TestPasswordHashingSharesActivity(t *testing.T) {
	opts := &serveOptions{passwordProcess: "off", passwordWorkers: 2, passwordYield: true,
		passwordMaxWait: time.Second}

	hashing, err := startPasswordHashing(opts, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("startPasswordHashing: %v", err)
	}
	defer hashing.close()

	var cfg server.Config
	hashing.configure(&cfg)

	if cfg.Activity == nil || cfg.Activity != hashing.activity {
		t.Fatalf("server Activity = %p, want the password pool's %p", cfg.Activity, hashing.activity)
	}

	busy := passwordPoolConfig(opts, 2, cfg.Activity).Busy
	if busy() {
		t.Fatal("pool Busy() before any API request = true, want false")
	}

	cfg.Activity.Touch()

	if !busy() {
		t.Error("pool Busy() after the server's Activity recorded a request = false, want true")
	}
}

func TestPasswordProcessOffLogsWorkers(t *testing.T) {
	var logs strings.Builder
	logger := slog.New(slog.NewJSONHandler(&logs, nil))

	opts := &serveOptions{passwordProcess: "off", passwordWorkers: 3, passwordMaxWait: time.Second}

	hashing, err := startPasswordHashing(opts, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer hashing.close()

	if hashing.client != nil {
		t.Error("--password-process=off started a child process client")
	}

	want := `"msg":"passwords are checked in the server process","workers":3`
	if !strings.Contains(logs.String(), want) {
		t.Errorf("logs = %s, want a line with %s", logs.String(), want)
	}
}
