package waittest

import (
	"context"
	"errors"
	"testing"
)

func TestReceiveReturnsValue(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7

	if got := Receive(t, ch, "the value"); got != 7 {
		t.Errorf("Receive = %d, want 7", got)
	}
}

func TestReceiveFromClosedChannel(t *testing.T) {
	ch := make(chan string)
	close(ch)

	if got := Receive(t, ch, "the close"); got != "" {
		t.Errorf("Receive = %q, want the zero value", got)
	}
}

func TestCancelOnWaitCancelsAtDone(t *testing.T) {
	ctx := CancelOnWait()

	if err := ctx.Err(); err != nil {
		t.Fatalf("Err before Done = %v, want nil", err)
	}

	<-ctx.Done()

	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err after Done = %v, want context.Canceled", err)
	}
}
