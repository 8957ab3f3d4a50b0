// Package token issues and verifies the JWT access tokens that scopegate
// hands out, in the format of RFC 9068 (JSON Web Token Profile for OAuth 2.0
// Access Tokens).
//
// # Token format
//
// A token is a compact JWS signed with HS256. Its protected header carries
// "alg", "kid" and "typ" ("at+jwt"). Its claims are "iss", "sub" (the
// username), "aud" (a single string), "exp", "iat", "jti", "client_id" and
// "scope", a space-separated scope string (RFC 9068 §2.2.3) that an [Issuer]
// leaves out when no scope is granted. Dates are whole seconds since the
// Unix epoch.
//
// # Verification
//
// A [Verifier] rejects every token it cannot fully check, with an error
// that wraps [ErrInvalid]. It rejects a token larger than [MaxTokenSize] or
// not made of three base64url segments before decoding anything. It then
// rejects any "alg" but HS256, a "kid" that is not in its key set, a "typ"
// other than "at+jwt", and a wrong "iss" or "aud". It requires "exp",
// "iat", "sub", "client_id" and "jti", and rejects a token that has expired
// or is not yet valid. It picks a key only by looking the token's "kid" up
// in the keys it was given, never from anything else in the token.
//
// # Legacy tokens
//
// A Verifier configured with [VerifierConfig.LegacyHS256Key] also accepts
// the tokens of a FastAPI application built on FastAPI's OAuth2 scopes
// tutorial, signed by PyJWT with that key: a header with no "kid" and
// claims "sub", "exp" and "scopes", a JSON list. This lets a FastAPI
// deployment move to scopegate without logging everyone out. Such tokens
// come back with [Claims.Legacy] set.
package token
