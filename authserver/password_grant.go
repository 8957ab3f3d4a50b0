package authserver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/scopegate/scopegate/password"
	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
)

// badCredentials is the description of a failed login. It is the same for
// an unknown username and a wrong password, so it does not reveal which
// usernames exist.
const badCredentials = "the username or password is incorrect"

// maxPasswordBytes is the longest password a login may match: the longest
// that password.Hasher hashes.
const maxPasswordBytes = password.MaxLength

// passwordGrant runs the resource owner password credentials grant
// (RFC 6749 §4.3.2).
func (s *Server) passwordGrant(ctx context.Context, req tokenRequest) (*TokenResponse, error) {
	form := passwordGrantForm(req.params)

	if form.Username == "" {
		return nil, invalidRequest("parameter 'username' is missing")
	}

	if form.Password == "" {
		return nil, invalidRequest("parameter 'password' is missing")
	}

	requested, err := s.requestedScopes(ctx, form.Scope)
	if err != nil {
		return nil, err
	}

	user, err := s.checkPassword(ctx, form.Username, form.Password)
	if err != nil {
		return nil, err
	}

	s.rehash(ctx, user, form.Password)

	// Drop the scopes the user may not hold. The response's scope member
	// lists what was granted (RFC 6749 §3.3). When none of the requested
	// scopes is left, an empty scope member could not say so, and RFC 6749
	// §5.2 has invalid_scope for a request beyond what the owner granted.
	granted := requested.Intersect(user.Scopes)
	if granted.IsEmpty() && strings.Trim(form.Scope, " ") != "" {
		return nil, invalidScope(fmt.Sprintf("the user may hold none of the requested scopes '%s'",
			truncate(requested.String())))
	}

	return s.issue(user.Username, req.client.ID, granted)
}

// requestedScopes parses the scope parameter and checks every scope against
// the catalog. An empty parameter requests the default scopes, of which
// those outside the catalog are dropped.
func (s *Server) requestedScopes(ctx context.Context, raw string) (scope.Set, error) {
	catalog, err := s.scopes.Catalog(ctx)
	if err != nil {
		return scope.Set{}, fmt.Errorf("authserver: load scope catalog: %w", err)
	}

	if catalog == nil {
		return scope.Set{}, errors.New("authserver: scope catalog is nil")
	}

	requested, err := scope.Parse(raw)
	if err != nil {
		return scope.Set{}, invalidScope(
			"parameter 'scope' must be scope tokens separated by spaces, " +
				"each of printable ASCII characters other than double quote and backslash")
	}

	if requested.IsEmpty() {
		return s.defaultScopes.Intersect(catalog.Set()), nil
	}

	for _, name := range requested.Names() {
		if _, ok := catalog.Lookup(name); !ok {
			return scope.Set{}, invalidScope(fmt.Sprintf("scope '%s' is not defined", truncate(name)))
		}
	}

	return requested, nil
}

// checkPassword returns the user when password is theirs and the account
// is enabled. An unknown username costs a dummy verification, so it takes
// as long as a wrong password and gets the same error.
func (s *Server) checkPassword(ctx context.Context, username, password string) (store.User, error) {
	start := time.Now()

	// No stored hash can match a password longer than the hasher accepts,
	// so it costs no lookup and no verification, only the usual padding.
	if len(password) > maxPasswordBytes {
		s.failures.wait(ctx, start)
		return store.User{}, invalidGrant(badCredentials)
	}

	user, err := s.users.User(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.runHashing(ctx, func() { s.passwords.VerifyDummy(password) }); err != nil {
			return store.User{}, err
		}

		s.failures.wait(ctx, start)

		return store.User{}, invalidGrant(badCredentials)
	}

	if err != nil {
		return store.User{}, fmt.Errorf("authserver: look up user %q: %w", username, err)
	}

	var ok bool
	var verifyErr error
	err = s.runHashing(ctx, func() {
		verifyStart := time.Now()
		ok, verifyErr = s.passwords.Verify(password, user.PasswordHash)
		s.failures.observe(hashClass(user.PasswordHash), time.Since(verifyStart))
	})
	if err != nil {
		return store.User{}, err
	}

	if verifyErr != nil {
		return store.User{}, fmt.Errorf("authserver: verify password of user %q: %w", username, verifyErr)
	}

	if !ok {
		s.failures.wait(ctx, start)
		return store.User{}, invalidGrant(badCredentials)
	}

	// Checked after the password, so only the user learns the account is
	// disabled.
	if user.Disabled {
		s.failures.wait(ctx, start)
		return store.User{}, invalidGrant("the user account is disabled")
	}

	return user, nil
}

// rehash stores a new hash of password when the user's hash uses outdated
// parameters. A failure goes to the error hook and does not fail the login,
// because the old hash still works.
func (s *Server) rehash(ctx context.Context, user store.User, password string) {
	if !s.passwords.NeedsRehash(user.PasswordHash) {
		return
	}

	var hash string
	var hashErr error
	if err := s.runHashing(ctx, func() { hash, hashErr = s.passwords.Hash(password) }); err != nil {
		// The old hash still works, so a busy pool or a canceled request
		// skips the rehash, and the next login tries again.
		return
	}

	if err := hashErr; err != nil {
		s.reportError(ctx, fmt.Errorf("authserver: rehash password of user %q: %w", user.Username, err))
		return
	}

	if err := s.users.SetPasswordHash(ctx, user.Username, hash); err != nil {
		s.reportError(ctx, fmt.Errorf("authserver: store new password hash of user %q: %w", user.Username, err))
	}
}

// issue issues an access token and builds the token response.
func (s *Server) issue(subject, clientID string, granted scope.Set) (*TokenResponse, error) {
	accessToken, expiresAt, err := s.issuer.Issue(subject, clientID, granted)
	if err != nil {
		return nil, fmt.Errorf("authserver: issue access token for user %q: %w", subject, err)
	}

	expiresIn, err := s.expiresIn(expiresAt)
	if err != nil {
		return nil, err
	}

	return &TokenResponse{
		AccessToken: accessToken,
		TokenType:   TokenTypeBearer,
		ExpiresIn:   expiresIn,
		Scope:       granted.String(),
	}, nil
}

// expiresIn returns the seconds from now until expiresAt, rounded up.
// Token dates are whole seconds, so a token issued with a 1800 s lifetime
// expires 1799.x s after now, and rounding up reports 1800. It fails
// when the issuer returned a time that has passed or a lifetime beyond
// what int32 holds, because some clients store expires_in as an int32.
func (s *Server) expiresIn(expiresAt time.Time) (int64, error) {
	seconds := math.Ceil(expiresAt.Sub(s.now()).Seconds())
	if seconds < 1 || seconds > math.MaxInt32 {
		return 0, fmt.Errorf("authserver: issued token expires at %s, %v seconds from now",
			expiresAt.Format(time.RFC3339), seconds)
	}

	return int64(seconds), nil
}
