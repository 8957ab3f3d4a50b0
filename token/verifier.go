package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/scopegate/scopegate/scope"
)

// MaxTokenSize is the length in bytes of the largest token a [Verifier]
// reads. Longer tokens are rejected before any decoding. Tokens that an
// [Issuer] makes are a few hundred bytes.
const MaxTokenSize = 8 << 10

// DefaultLeeway is the clock skew a [Verifier] allows when
// [VerifierConfig.Leeway] is zero.
const DefaultLeeway = 30 * time.Second

// VerifierConfig configures a [Verifier].
type VerifierConfig struct {
	// Issuer is the "iss" claim that tokens must carry. Required.
	Issuer string

	// Audience must be one of the token's "aud" values. Required.
	Audience string

	// Keys are the keys that verify tokens, looked up by "kid": the
	// issuer's current key and older ones whose tokens may not have expired
	// yet. It may be empty, and [Verifier.SetKeys] replaces it.
	Keys []Key

	// LegacyHS256Key is the HS256 key of a FastAPI application whose tokens
	// are also accepted, as the bytes of the key string (the way PyJWT uses
	// it). Nil accepts no legacy token. It must be at least
	// [MinHS256KeySize] bytes long.
	LegacyHS256Key []byte

	// Leeway is the clock skew allowed when checking "exp", "nbf" and "iat".
	// Zero means [DefaultLeeway], and a negative value allows none.
	Leeway time.Duration

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Verifier checks access tokens. It is safe for concurrent use, including
// calls to [Verifier.SetKeys] while tokens are being verified. Create one
// with [NewVerifier]: the zero Verifier rejects every token.
type Verifier struct {
	issuer   string
	audience string
	leeway   time.Duration
	now      func() time.Time
	legacy   *hs256Key // nil when no legacy key is configured

	keys atomic.Pointer[keySet]
}

// NewVerifier returns a Verifier for cfg, or an error if cfg is incomplete
// or one of its keys is unusable. It copies the keys.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("token: verifier config: Issuer is empty")
	}

	if cfg.Audience == "" {
		return nil, errors.New("token: verifier config: Audience is empty")
	}

	if cfg.LegacyHS256Key != nil && len(cfg.LegacyHS256Key) < MinHS256KeySize {
		return nil, fmt.Errorf("token: verifier config: LegacyHS256Key is %d bytes, need at least %d",
			len(cfg.LegacyHS256Key), MinHS256KeySize)
	}

	v := &Verifier{
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		leeway:   leeway(cfg.Leeway),
		now:      cfg.Now,
	}

	if v.now == nil {
		v.now = time.Now
	}

	if cfg.LegacyHS256Key != nil {
		v.legacy = newHS256Key(cfg.LegacyHS256Key)
	}

	if err := v.SetKeys(cfg.Keys); err != nil {
		return nil, err
	}

	return v, nil
}

func leeway(configured time.Duration) time.Duration {
	switch {
	case configured == 0:
		return DefaultLeeway
	case configured < 0:
		return 0
	default:
		return configured
	}
}

// SetKeys replaces the keys that verify tokens, for example after another
// replica has created a key. Tokens being verified concurrently use either
// the old or the new set. On error it keeps the current keys.
func (v *Verifier) SetKeys(keys []Key) error {
	set, err := newKeySet(keys)
	if err != nil {
		return err
	}

	v.keys.Store(set)

	return nil
}

// Verify checks raw's size, format, signature and claims, and returns its
// claims. Every error it returns wraps [ErrInvalid] and one of the more
// specific errors of this package. Verify does no I/O and ignores ctx.
func (v *Verifier) Verify(ctx context.Context, raw string) (Claims, error) {
	segments, err := split(raw)
	if err != nil {
		return Claims{}, err
	}

	keys := v.keys.Load()
	if keys == nil {
		return Claims{}, fmt.Errorf("%w: verifier has no key set, create it with NewVerifier", ErrUnknownKey)
	}

	hdr, err := keys.parseHeader(segments.header)
	if err != nil {
		return Claims{}, err
	}

	key, legacy, err := v.selectKey(keys, hdr)
	if err != nil {
		return Claims{}, err
	}

	var received receivedClaims
	if err := key.verify(segments, &received); err != nil {
		return Claims{}, err
	}

	if legacy {
		return v.checkLegacyClaims(&received)
	}

	return v.checkClaims(&received)
}

// segments are the three base64url parts of a compact JWS.
type segments struct {
	header, payload, signature string
}

// split checks raw's size and alphabet and splits it into its segments.
// Checking the alphabet up front also rejects the line breaks that Go's
// base64 decoder would otherwise skip.
func split(raw string) (segments, error) {
	if len(raw) > MaxTokenSize {
		return segments{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenSize)
	}

	dots := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '.' {
			dots++
			continue
		}

		if !isBase64URL(c) {
			return segments{}, fmt.Errorf("%w: byte %d is not base64url", ErrMalformed, i)
		}
	}

	if dots != 2 {
		return segments{}, fmt.Errorf("%w: %d segments, want 3", ErrMalformed, dots+1)
	}

	header, rest, _ := strings.Cut(raw, ".")
	payload, signature, _ := strings.Cut(rest, ".")

	return segments{header: header, payload: payload, signature: signature}, nil
}

func isBase64URL(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
}

// selectKey checks the header and returns the key it selects, and
// whether the token is in the legacy FastAPI format.
func (v *Verifier) selectKey(keys *keySet, hdr header) (key *hs256Key, legacy bool, err error) {
	if hdr.alg != AlgorithmHS256 {
		return nil, false, fmt.Errorf("%w: %.64q", ErrAlgorithm, hdr.alg)
	}

	if hdr.critical {
		return nil, false, fmt.Errorf("%w: critical header extensions are not supported", ErrAlgorithm)
	}

	if !hdr.hasKid {
		return v.selectLegacyKey(hdr)
	}

	key, ok := keys.byID[hdr.kid]
	if !ok {
		return nil, false, fmt.Errorf("%w: kid %.64q", ErrUnknownKey, hdr.kid)
	}

	if !isAccessTokenType(hdr.typ) {
		return nil, false, fmt.Errorf("%w: typ %.64q, want %q", ErrType, hdr.typ, TypeAccessToken)
	}

	return key, false, nil
}

// selectLegacyKey returns the legacy key for a header without "kid", which
// PyJWT writes as {"alg":"HS256","typ":"JWT"}.
func (v *Verifier) selectLegacyKey(hdr header) (*hs256Key, bool, error) {
	if v.legacy == nil {
		return nil, false, fmt.Errorf("%w: no kid header", ErrUnknownKey)
	}

	if hdr.hasTyp && !isMediaType(hdr.typ, "jwt") {
		return nil, false, fmt.Errorf("%w: typ %.64q of a token without kid, want JWT", ErrType, hdr.typ)
	}

	return v.legacy, true, nil
}

// isAccessTokenType reports whether typ is the media type at+jwt that
// RFC 9068 §4 requires.
func isAccessTokenType(typ string) bool {
	return isMediaType(typ, TypeAccessToken)
}

// isMediaType reports whether the "typ" header typ names the media type
// application/subtype. RFC 7515 §4.1.9 lets producers omit "application/",
// and media type names are case-insensitive.
func isMediaType(typ, subtype string) bool {
	typ, _ = strings.CutPrefix(strings.ToLower(typ), "application/")

	return typ == strings.ToLower(subtype)
}

// decodeClaims decodes the JSON payload into received.
func decodeClaims(payload []byte, received *receivedClaims) error {
	err := json.Unmarshal(payload, received)
	if err == nil {
		return nil
	}

	if syntaxErr := (*json.SyntaxError)(nil); errors.As(err, &syntaxErr) {
		return fmt.Errorf("%w: payload is not JSON: %w", ErrMalformed, err)
	}

	return fmt.Errorf("%w: %w", ErrClaims, err)
}

// checkClaims checks the claims of an RFC 9068 access token.
func (v *Verifier) checkClaims(received *receivedClaims) (Claims, error) {
	if received.Issuer != v.issuer {
		return Claims{}, fmt.Errorf("%w: iss %q, want %q", ErrClaims, received.Issuer, v.issuer)
	}

	if !received.Audience.contains(v.audience) {
		return Claims{}, fmt.Errorf("%w: aud %q does not contain %q",
			ErrClaims, received.Audience.values, v.audience)
	}

	if err := requireClaims(received); err != nil {
		return Claims{}, err
	}

	if err := v.checkTimes(received); err != nil {
		return Claims{}, err
	}

	scopes, err := scope.Parse(received.Scope)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: scope: %w", ErrClaims, err)
	}

	return claimsOf(received, scopes, false), nil
}

// requireClaims checks that the claims RFC 9068 §2.2 requires are present.
func requireClaims(received *receivedClaims) error {
	var missing string
	switch {
	case received.Subject == "":
		missing = "sub"
	case !received.ExpiresAt.present:
		missing = "exp"
	case !received.IssuedAt.present:
		missing = "iat"
	case received.ClientID == "":
		missing = "client_id"
	case received.ID == "":
		missing = "jti"
	default:
		return nil
	}

	return fmt.Errorf("%w: %s is missing or empty", ErrClaims, missing)
}

// checkLegacyClaims checks the claims of a FastAPI token. It needs "sub"
// and "exp". A FastAPI token has no "iss" or "aud", but if it has one it
// must match, so a token meant for someone else is still rejected.
func (v *Verifier) checkLegacyClaims(received *receivedClaims) (Claims, error) {
	if received.Subject == "" {
		return Claims{}, fmt.Errorf("%w: sub is missing or empty", ErrClaims)
	}

	if !received.ExpiresAt.present {
		return Claims{}, fmt.Errorf("%w: exp is missing", ErrClaims)
	}

	if received.Issuer != "" && received.Issuer != v.issuer {
		return Claims{}, fmt.Errorf("%w: iss %q, want %q", ErrClaims, received.Issuer, v.issuer)
	}

	if received.Audience.present && !received.Audience.contains(v.audience) {
		return Claims{}, fmt.Errorf("%w: aud %q does not contain %q",
			ErrClaims, received.Audience.values, v.audience)
	}

	if err := v.checkTimes(received); err != nil {
		return Claims{}, err
	}

	scopes, err := scope.FromList(received.Scopes)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: scopes: %w", ErrClaims, err)
	}

	return claimsOf(received, scopes, true), nil
}

// checkTimes checks "exp", and "nbf" and "iat" when present, against the
// current time, allowing the leeway.
func (v *Verifier) checkTimes(received *receivedClaims) error {
	now := v.now()

	if expires := received.ExpiresAt.time(); !now.Before(expires.Add(v.leeway)) {
		return fmt.Errorf("%w at %s", ErrExpired, expires.UTC().Format(time.RFC3339))
	}

	if received.NotBefore.present {
		if notBefore := received.NotBefore.time(); now.Add(v.leeway).Before(notBefore) {
			return fmt.Errorf("%w: nbf is %s", ErrNotYetValid, notBefore.UTC().Format(time.RFC3339))
		}
	}

	if received.IssuedAt.present {
		if issuedAt := received.IssuedAt.time(); now.Add(v.leeway).Before(issuedAt) {
			return fmt.Errorf("%w: iat is %s", ErrNotYetValid, issuedAt.UTC().Format(time.RFC3339))
		}
	}

	return nil
}

func claimsOf(received *receivedClaims, scopes scope.Set, legacy bool) Claims {
	return Claims{
		Issuer:    received.Issuer,
		Subject:   received.Subject,
		Audience:  received.Audience.values,
		ClientID:  received.ClientID,
		Scope:     scopes,
		IssuedAt:  received.IssuedAt.time(),
		ExpiresAt: received.ExpiresAt.time(),
		NotBefore: received.NotBefore.time(),
		ID:        received.ID,
		Legacy:    legacy,
	}
}
