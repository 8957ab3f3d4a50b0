package bearer_test

import (
	"context"
	"testing"
	"time"

	"github.com/scopegate/scopegate/bearer"
)

type parentKey struct{}

func TestNewContextKeepsParent(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), parentKey{}, "parent value"))
	ctx := bearer.NewContext(parent, bearer.Identity{Claims: claimsFor("johndoe", "me")})
	child, cancelChild := context.WithCancel(ctx)
	defer cancelChild()

	if got := child.Value(parentKey{}); got != "parent value" {
		t.Errorf("Value(parentKey) = %v, want %q", got, "parent value")
	}

	identity, ok := bearer.FromContext(child)
	if !ok {
		t.Fatal("FromContext found no identity")
	}

	if identity.Claims.Subject != "johndoe" {
		t.Errorf("Claims.Subject = %q, want %q", identity.Claims.Subject, "johndoe")
	}

	cancel()

	select {
	case <-child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the child context did not end within 10s of its parent's cancel")
	}

	if child.Err() != context.Canceled {
		t.Errorf("Err() after parent cancel = %v, want %v", child.Err(), context.Canceled)
	}
}

func TestNewContextInner(t *testing.T) {
	outer := bearer.NewContext(context.Background(), bearer.Identity{Claims: claimsFor("outer")})
	inner := bearer.NewContext(outer, bearer.Identity{Claims: claimsFor("inner")})

	identity, _ := bearer.FromContext(inner)
	if identity.Claims.Subject != "inner" {
		t.Errorf("Claims.Subject = %q, want %q", identity.Claims.Subject, "inner")
	}
}
