package bearer_test

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/bearer"
)

func TestTokenFromHeader(t *testing.T) {
	tests := []struct {
		name      string
		values    []string
		wantToken string
		wantErr   error
	}{
		{name: "no header", wantErr: bearer.ErrNoToken},
		{name: "empty", values: []string{""}, wantErr: bearer.ErrNoToken},
		{name: "whitespace only", values: []string{" \t"}, wantErr: bearer.ErrNoToken},
		{name: "basic scheme", values: []string{"Basic am9obmRvZTpzZWNyZXQ="}, wantErr: bearer.ErrNoToken},
		{name: "token scheme", values: []string{"Token abc123"}, wantErr: bearer.ErrNoToken},
		{name: "raw token", values: []string{"abc.def.ghi"}, wantErr: bearer.ErrNoToken},
		{name: "scheme alone", values: []string{"Bearer"}, wantErr: bearer.ErrInvalidRequest},
		{name: "scheme and space", values: []string{"Bearer "}, wantErr: bearer.ErrInvalidRequest},
		{name: "space inside", values: []string{"Bearer tok junk"}, wantErr: bearer.ErrInvalidRequest},
		{name: "invalid character", values: []string{"Bearer tok;"}, wantErr: bearer.ErrInvalidRequest},
		{name: "two headers", values: []string{"Bearer a", "Bearer b"}, wantErr: bearer.ErrInvalidRequest},
		{name: "canonical", values: []string{"Bearer abc.def.ghi"}, wantToken: "abc.def.ghi"},
		{name: "lower-case scheme", values: []string{"bearer abc"}, wantToken: "abc"},
		{name: "mixed-case scheme", values: []string{"bEaReR abc"}, wantToken: "abc"},
		{name: "double space", values: []string{"Bearer  abc"}, wantToken: "abc"},
		{name: "surrounding whitespace", values: []string{"\t Bearer abc \t"}, wantToken: "abc"},
		{name: "token case kept", values: []string{"Bearer AbC"}, wantToken: "AbC"},
		{name: "every character", values: []string{"Bearer aZ09-._~+/=="}, wantToken: "aZ09-._~+/=="},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, value := range tt.values {
				h.Add("Authorization", value)
			}

			token, err := bearer.TokenFromHeader(h)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}

			if token != tt.wantToken {
				t.Errorf("token = %q, want %q", token, tt.wantToken)
			}
		})
	}
}

func TestTokenFromHeaderErrorHidesValue(t *testing.T) {
	const secret = "s3cr3t-value"
	for _, value := range []string{"Basic " + secret, "Bearer " + secret + " x", secret + "!"} {
		h := http.Header{"Authorization": {value}}

		_, err := bearer.TokenFromHeader(h)
		if err == nil {
			t.Fatalf("TokenFromHeader(%q) error = nil, want an error", value)
		}

		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains the header value", err)
		}
	}
}

// b64token is RFC 6750 §2.1's b64token rule as a regular expression, an
// oracle independent of the parser's own loop.
var b64token = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)

func FuzzTokenFromHeader(f *testing.F) {
	for _, seed := range []string{
		"", " ", "Bearer", "Bearer ", "Bearer  tok", "bearer tok", "BEARER tok", "Bearer tok junk",
		"Basic am9obmRvZTpzZWNyZXQ=", "Token abc123", "tok", "Bearer tok==", "Bearer ==", "Bearer to=k",
		"Bearer \ttok", "Bearer\ttok", "Bearer tök", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyMSJ9.",
	} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, value string) {
		token, err := bearer.TokenFromHeader(http.Header{"Authorization": {value}})
		if err != nil {
			if !errors.Is(err, bearer.ErrNoToken) && !errors.Is(err, bearer.ErrInvalidRequest) {
				t.Fatalf("TokenFromHeader(%q) error %v wraps neither ErrNoToken nor ErrInvalidRequest", value, err)
			}

			if token != "" {
				t.Fatalf("TokenFromHeader(%q) = %q with error %v, want no token", value, token, err)
			}

			return
		}

		if !b64token.MatchString(token) {
			t.Fatalf("TokenFromHeader(%q) = %q, which is not a b64token", value, token)
		}

		trimmed := strings.Trim(value, " \t")
		if !strings.EqualFold(trimmed[:len("Bearer ")], "Bearer ") {
			t.Fatalf("TokenFromHeader(%q) accepted a value without the Bearer scheme", value)
		}

		if !strings.HasSuffix(trimmed, " "+token) {
			t.Fatalf("TokenFromHeader(%q) = %q, not the value's last word", value, token)
		}
	})
}

// b64Chars are the token characters of the b64token rule, before any "=".
const b64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"

// isB64Token reports whether s is one or more token characters followed
// by nothing but "=", the b64token rule of RFC 6750 §2.1. It is written
// plainly as the reference for TestTokenFromHeaderEveryOffset.
func isB64Token(s string) bool {
	n := 0
	for n < len(s) && strings.IndexByte(b64Chars, s[n]) >= 0 {
		n++
	}

	return n > 0 && strings.Trim(s[n:], "=") == ""
}

// validToken returns n token characters, cycling through all of them so
// that each one lands at many offsets.
func validToken(n, shift int) []byte {
	token := make([]byte, n)
	for i := range token {
		token[i] = b64Chars[(i+shift)%len(b64Chars)]
	}

	return token
}

// TestTokenFromHeaderEveryOffset checks the parser, which reads the token
// eight bytes per step, against isB64Token for every byte value at every
// offset of tokens of 1 to 33 bytes, and for "=" padding that starts at
// every offset. It covers each position within a block, a block cut short
// at the end of the token, and padding right after a block boundary.
func TestTokenFromHeaderEveryOffset(t *testing.T) {
	var accepted, rejected int

	check := func(token []byte) {
		t.Helper()

		got, err := bearer.TokenFromHeader(http.Header{"Authorization": {"Bearer " + string(token)}})
		want := isB64Token(string(token))

		switch {
		case want && (err != nil || got != string(token)):
			t.Errorf("TokenFromHeader(%q) = %q, %v; want the token", token, got, err)
		case !want && !errors.Is(err, bearer.ErrInvalidRequest):
			t.Errorf("TokenFromHeader(%q) = %q, %v; want ErrInvalidRequest", token, got, err)
		}

		if want {
			accepted++
		} else {
			rejected++
		}
	}

	for n := 1; n <= 33; n++ {
		check(validToken(n, n))

		for offset := range n {
			// Each byte value in turn. Space and tab are left out because
			// the header parser trims them at either end of the value.
			for c := range 256 {
				if c == ' ' || c == '\t' {
					continue
				}

				token := validToken(n, n)
				token[offset] = byte(c)
				check(token)
			}

			// Padding from offset to the end, and the same padding with a
			// token character after it.
			padded := validToken(n, n)
			for i := offset; i < n; i++ {
				padded[i] = '='
			}
			check(padded)

			padded = append(padded, 'a')
			check(padded)
		}
	}

	// Guard against a reference that accepts or rejects everything.
	if accepted < 500 || rejected < 100_000 {
		t.Errorf("checked %d accepted and %d rejected tokens, want at least 500 and 100000", accepted, rejected)
	}
}
