package main

import (
	"strings"
	"testing"
	"time"
)

func TestRunRejectsInvalidDuration(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		if err := run(d); err == nil || !strings.Contains(err.Error(), "invalid -duration") {
			t.Errorf("run(%s) error = %v, want invalid -duration", d, err)
		}
	}
}
