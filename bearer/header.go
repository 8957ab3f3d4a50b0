package bearer

import (
	"errors"
	"net/http"
	"strings"
)

var (
	// ErrNoToken marks a request that carries no bearer credentials: it has
	// no Authorization header, an empty one, or one with another scheme,
	// such as Basic. Its response is a challenge without an error code, as
	// RFC 6750 §3 recommends.
	ErrNoToken = errors.New("bearer: no bearer token")

	// ErrInvalidRequest marks an Authorization header that names the Bearer
	// scheme but does not carry exactly one well-formed token, and a request
	// with more than one Authorization header. It is the invalid_request
	// error of RFC 6750 §3.1.
	ErrInvalidRequest = errors.New("bearer: invalid request")
)

// headerError is one of the fixed reasons why [TokenFromHeader] finds no
// usable token. The middleware maps it to its response without parsing
// the message.
type headerError struct {
	failure failure
	message string
	base    error
}

func (e *headerError) Error() string { return e.message }

func (e *headerError) Unwrap() error { return e.base }

var (
	errNoHeader = &headerError{
		failure: failNoHeader,
		message: "bearer: no bearer token: no Authorization header",
		base:    ErrNoToken,
	}
	errOtherScheme = &headerError{
		failure: failOtherScheme,
		message: "bearer: no bearer token: the Authorization header uses another scheme",
		base:    ErrNoToken,
	}
	errMultipleHeaders = &headerError{
		failure: failMultipleHeaders,
		message: "bearer: invalid request: more than one Authorization header",
		base:    ErrInvalidRequest,
	}
	errMissingToken = &headerError{
		failure: failMissingToken,
		message: "bearer: invalid request: Bearer scheme without a token",
		base:    ErrInvalidRequest,
	}
	errMalformedToken = &headerError{
		failure: failMalformedToken,
		message: "bearer: invalid request: the token is not one token68 value",
		base:    ErrInvalidRequest,
	}
)

// TokenFromHeader returns the bearer token of the Authorization header in
// h (RFC 6750 §2.1). The scheme name matches in any case ("bearer" and
// "BEARER" too, RFC 9110 §11.1), and one or more spaces may follow it. The
// token must be one b64token: characters of A-Z, a-z, 0-9 and -._~+/
// followed by any number of "=". It is returned as sent, because tokens
// are case-sensitive.
//
// The error wraps [ErrNoToken] when h carries no bearer credentials, and
// [ErrInvalidRequest] when the header names the Bearer scheme but is
// malformed, or when h has more than one Authorization header. The error
// message never contains the header's value.
func TokenFromHeader(h http.Header) (token string, err error) {
	// The key is in canonical form already, so the map is indexed directly
	// instead of through Header.Values, which canonicalizes it again.
	values := h["Authorization"]
	if len(values) > 1 {
		return "", errMultipleHeaders
	}

	if len(values) == 0 {
		return "", errNoHeader
	}

	value := strings.Trim(values[0], " \t")
	if value == "" {
		return "", errNoHeader
	}

	scheme, credentials, _ := strings.Cut(value, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", errOtherScheme
	}

	token = strings.TrimLeft(credentials, " ")
	if token == "" {
		return "", errMissingToken
	}

	if !isToken68(token) {
		return "", errMalformedToken
	}

	return token, nil
}

// isToken68 reports whether s matches the b64token rule of RFC 6750 §2.1,
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=", which is
// also the token68 rule of RFC 9110 §11.2.
func isToken68(s string) bool {
	// Every request's token passes here, so check eight bytes per step:
	// the AND of their table entries is 1 only when all eight are token
	// characters. The first block with another byte, such as "=", ends
	// this loop, and the bytewise loop below finds that byte.
	rest := s
	for len(rest) >= 8 {
		if token68Chars[rest[0]]&token68Chars[rest[1]]&token68Chars[rest[2]]&token68Chars[rest[3]]&
			token68Chars[rest[4]]&token68Chars[rest[5]]&token68Chars[rest[6]]&token68Chars[rest[7]] == 0 {
			break
		}

		rest = rest[8:]
	}

	i := len(s) - len(rest)

	for i < len(s) && token68Chars[s[i]] == 1 {
		i++
	}

	if i == 0 {
		return false
	}

	for i < len(s) && s[i] == '=' {
		i++
	}

	return i == len(s)
}

// token68Chars is 1 for the bytes that isToken68Char accepts and 0 for
// the others. Numbers instead of booleans let isToken68 combine eight
// lookups with AND and test them with one comparison
// (BenchmarkTokenFromHeader).
var token68Chars = func() (table [256]uint8) {
	for c := range len(table) {
		if isToken68Char(byte(c)) {
			table[c] = 1
		}
	}

	return table
}()

func isToken68Char(c byte) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	}

	return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}
