package main

import (
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

	for _, yield := range []bool{true, false} {
		opts := &serveOptions{passwordYield: yield, passwordQueue: 3, passwordMaxWait: time.Second}

		cfg := passwordPoolConfig(opts, 2, activity)

		if got := cfg.Busy != nil; got != yield {
			t.Errorf("--password-yield=%t: pool has Busy = %t, want %t", yield, got, yield)
		}

		if cfg.Workers != 2 || cfg.QueueSize != 3 || cfg.MaxWait != time.Second {
			t.Errorf("--password-yield=%t: pool config %+v, want 2 workers, queue 3 and max wait 1s", yield, cfg)
		}
	}
}
