package token

import (
	"strings"
	"testing"
	"time"

	"github.com/scopegate/scopegate/scope"
)

func TestIssuedHeaderIsPreParsed(t *testing.T) {
	key := Key{ID: "key-1", Algorithm: AlgorithmHS256, Secret: make([]byte, 32)}

	issuer, err := NewIssuer(IssuerConfig{Issuer: "https://a.test", Audience: "api", Key: key, TTL: time.Minute})
	if err != nil {
		t.Fatalf("NewIssuer: %v", err)
	}

	raw, _, err := issuer.Issue("johndoe", "cli", scope.Set{})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}

	set, err := newKeySet([]Key{key})
	if err != nil {
		t.Fatalf("newKeySet: %v", err)
	}

	encoded, _, _ := strings.Cut(raw, ".")
	if _, ok := set.headers[encoded]; !ok {
		t.Errorf("header %s of an issued token is not among the pre-parsed headers", encoded)
	}
}

func TestPreParsedHeadersMatchParser(t *testing.T) {
	set, err := newKeySet([]Key{{ID: `key "1"`, Algorithm: AlgorithmHS256, Secret: make([]byte, 32)}})
	if err != nil {
		t.Fatalf("newKeySet: %v", err)
	}

	slow := &keySet{}
	for encoded, want := range set.headers {
		got, err := slow.parseHeader(encoded)
		if err != nil {
			t.Fatalf("parseHeader(%s): %v", encoded, err)
		}

		if got != want {
			t.Errorf("parseHeader(%s) = %+v, pre-parsed %+v", encoded, got, want)
		}
	}
}
