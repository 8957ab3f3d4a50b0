package token

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/scope"
)

// TypeAccessToken is the "typ" header of an access token (RFC 9068 §2.1).
const TypeAccessToken = "at+jwt"

// IssuerConfig configures an [Issuer].
type IssuerConfig struct {
	// Issuer is the "iss" claim, the issuer identifier of the authorization
	// server, usually its URL. Required.
	Issuer string

	// Audience is the "aud" claim, the resource server the tokens are for.
	// Required.
	Audience string

	// Key signs the tokens. It must be an HS256 key of at least
	// [MinHS256KeySize] bytes with a non-empty ID.
	Key Key

	// TTL is the lifetime of a token, at least one second because token
	// dates have a resolution of one second.
	TTL time.Duration

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Issuer signs access tokens. It is safe for concurrent use.
type Issuer struct {
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time

	key    *hs256Key
	header string // the encoded protected header
}

// NewIssuer returns an Issuer for cfg, or an error if cfg is incomplete or
// its key is unusable. It copies the key's secret.
func NewIssuer(cfg IssuerConfig) (*Issuer, error) {
	if err := checkIssuerConfig(cfg); err != nil {
		return nil, err
	}

	header, err := encodeAccessTokenHeader(cfg.Key.ID)
	if err != nil {
		return nil, err
	}

	now := cfg.Now
	if now == nil {
		now = time.Now
	}

	return &Issuer{
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		ttl:      cfg.TTL,
		now:      now,
		key:      newHS256Key(cfg.Key.Secret),
		header:   header,
	}, nil
}

func checkIssuerConfig(cfg IssuerConfig) error {
	if cfg.Issuer == "" {
		return errors.New("token: issuer config: Issuer is empty")
	}

	if cfg.Audience == "" {
		return errors.New("token: issuer config: Audience is empty")
	}

	if cfg.TTL < time.Second {
		return fmt.Errorf("token: issuer config: TTL %v is shorter than one second", cfg.TTL)
	}

	return cfg.Key.validate()
}

// Issue signs an access token for subject, requested by the client
// clientID, that grants scopes. It returns the compact JWS and the claims
// it holds. Subject and clientID must not be empty. It returns an error
// instead of a token longer than [MaxTokenSize], which no [Verifier] would
// accept, as when the scope list is too long.
func (i *Issuer) Issue(subject, clientID string, scopes scope.Set) (string, Claims, error) {
	if subject == "" {
		return "", Claims{}, errors.New("token: issue: subject is empty")
	}

	if clientID == "" {
		return "", Claims{}, errors.New("token: issue: client ID is empty")
	}

	issuedAt := i.now().Truncate(time.Second)
	claims := Claims{
		Issuer:    i.issuer,
		Subject:   subject,
		Audience:  []string{i.audience},
		ClientID:  clientID,
		Scope:     scopes,
		IssuedAt:  issuedAt,
		ExpiresAt: issuedAt.Add(i.ttl).Truncate(time.Second),
		ID:        rand.Text(),
	}

	scopeList := scopes.String()
	payload, err := json.Marshal(issuedClaims{
		Issuer:    claims.Issuer,
		Subject:   claims.Subject,
		Audience:  i.audience,
		ExpiresAt: claims.ExpiresAt.Unix(),
		IssuedAt:  claims.IssuedAt.Unix(),
		ID:        claims.ID,
		ClientID:  claims.ClientID,
		Scope:     scopeList,
	})
	if err != nil {
		return "", Claims{}, fmt.Errorf("token: encode claims: %w", err)
	}

	signed := i.key.sign(i.header, payload)
	if len(signed) > MaxTokenSize {
		return "", Claims{}, tooLongError(len(signed), scopeList, subject, clientID)
	}

	return signed, claims, nil
}

// tooLongError returns the error for a token of size bytes, more than a
// [Verifier] reads. It blames the longest of the values that vary between
// tokens, which is the scope list unless subject or clientID is longer.
func tooLongError(size int, scopeList, subject, clientID string) error {
	part, length := "scope list", len(scopeList)
	if len(subject) > length {
		part, length = "subject", len(subject)
	}

	if len(clientID) > length {
		part, length = "client ID", len(clientID)
	}

	return fmt.Errorf("token: issue: %s of %d bytes is too long, because the token would be %d bytes "+
		"and verifiers reject tokens over MaxTokenSize, %d bytes", part, length, size, MaxTokenSize)
}
