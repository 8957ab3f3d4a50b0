package bearer

import (
	"context"
	"net/http"
	"testing"
)

// TestDescriptionCharacters checks every error_description against the
// characters that RFC 6750 §3 allows: %x20-21 / %x23-5B / %x5D-7E.
func TestDescriptionCharacters(t *testing.T) {
	g := New(Config{Verifier: nopVerifier{}})
	requirements := map[string]Requirement{
		"accumulated":  Scopes("me").With("items"),
		"alternatives": AnyOf(Scopes("admin"), Scopes("me", "items")),
	}

	for name, req := range requirements {
		for f, resp := range g.newResponses(req) {
			for i := 0; i < len(resp.detail); i++ {
				c := resp.detail[i]
				if c < 0x20 || c == '"' || c == '\\' || c > 0x7e {
					t.Errorf("%s: failure %d: description %q contains %q", name, f, resp.detail, c)
				}
			}
		}
	}
}

func TestResponsesCoverEveryFailure(t *testing.T) {
	g := New(Config{Verifier: nopVerifier{}})

	for f, resp := range g.newResponses(Scopes("me")) {
		if resp.status == 0 || resp.detail == "" {
			t.Errorf("failure %d: status %d, detail %q, want both set", f, resp.status, resp.detail)
		}

		if resp.status != http.StatusServiceUnavailable && resp.challenge == "" {
			t.Errorf("failure %d: status %d without a challenge", f, resp.status)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{in: "", want: `""`},
		{in: "scopegate", want: `"scopegate"`},
		{in: `a"b`, want: `"a\"b"`},
		{in: `a\b`, want: `"a\\b"`},
	}

	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// nopVerifier rejects every token. Tests inside the package that only
// build responses use it.
type nopVerifier struct{}

func (nopVerifier) Verify(context.Context, string) (Claims, error) {
	return Claims{}, ErrInvalidToken
}
