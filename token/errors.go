package token

import "errors"

// ErrInvalid is the error that every verification failure wraps: the token
// is malformed, forged, expired or not meant for this verifier. The more
// specific errors below all match it with [errors.Is].
var ErrInvalid = errors.New("token: invalid token")

var (
	// ErrMalformed is returned for a token that is too large, is not three
	// base64url segments, or whose header or payload is not a JSON object.
	ErrMalformed error = invalidError("token: malformed")

	// ErrAlgorithm is returned for a token whose "alg" header is not HS256,
	// or whose header has "crit" or "b64", extensions this package does not
	// support.
	ErrAlgorithm error = invalidError("token: unsupported signing algorithm")

	// ErrUnknownKey is returned for a token whose "kid" is not in the
	// verifier's key set, or that has no "kid" when no legacy key is
	// configured.
	ErrUnknownKey error = invalidError("token: unknown signing key")

	// ErrType is returned for a token whose "typ" header does not mark it
	// as an access token.
	ErrType error = invalidError("token: not an access token")

	// ErrSignature is returned for a token whose signature does not match
	// the key its header selects.
	ErrSignature error = invalidError("token: signature mismatch")

	// ErrExpired is returned for a token whose "exp" has passed.
	ErrExpired error = invalidError("token: expired")

	// ErrNotYetValid is returned for a token whose "nbf" or "iat" lies in
	// the future.
	ErrNotYetValid error = invalidError("token: not yet valid")

	// ErrClaims is returned for a token whose claims are missing, of the
	// wrong JSON type or out of range, whose scope is not valid scope
	// syntax, or whose issuer or audience is not the verifier's.
	ErrClaims error = invalidError("token: invalid claims")
)

// invalidError is a verification failure that also matches [ErrInvalid].
type invalidError string

func (e invalidError) Error() string {
	return string(e)
}

func (e invalidError) Is(target error) bool {
	return target == ErrInvalid
}
