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

// JSON writes invalid UTF-8 as U+FFFD, so two such key IDs would share
// one "kid" header, and tokens of one would be checked with the other's
// secret. Both the issuer and the key set reject them.
func TestKeyIDInvalidUTF8Rejected(t *testing.T) {
	for _, id := range []string{"k\xff", "bad-\xc3", "\xfe"} {
		key := Key{ID: id, Algorithm: AlgorithmHS256, Secret: make([]byte, 32)}

		_, err := NewIssuer(IssuerConfig{Issuer: "https://a.test", Audience: "api", Key: key, TTL: time.Minute})
		if err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
			t.Errorf("NewIssuer with key ID %q: error = %v, want one naming invalid UTF-8", id, err)
		}

		if _, err := newKeySet([]Key{key}); err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
			t.Errorf("newKeySet with key ID %q: error = %v, want one naming invalid UTF-8", id, err)
		}
	}
}
