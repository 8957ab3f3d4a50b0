package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/token"
)

// issuerAdapter lets the token endpoint issue tokens without importing
// package token.
type issuerAdapter struct{ issuer *token.Issuer }

func (a issuerAdapter) Issue(subject, clientID string, scopes scope.Set) (string, time.Time, error) {
	raw, claims, err := a.issuer.Issue(subject, clientID, scopes)
	if err != nil {
		return "", time.Time{}, err
	}

	return raw, claims.ExpiresAt, nil
}

// tokenVerifier is a *token.Verifier or a *token.Cache in front of one.
type tokenVerifier interface {
	Verify(ctx context.Context, raw string) (token.Claims, error)
}

// verifierAdapter lets bearer verify tokens without importing package
// token, marking every token the verifier rejects as invalid. It records
// each check in activity, which may be nil.
type verifierAdapter struct {
	verifier tokenVerifier
	activity *Activity
}

func (a verifierAdapter) Verify(ctx context.Context, raw string) (bearer.Claims, error) {
	a.activity.Touch()

	claims, err := a.verifier.Verify(ctx, raw)
	if errors.Is(err, token.ErrInvalid) {
		return bearer.Claims{}, fmt.Errorf("%w: %w", bearer.ErrInvalidToken, err)
	}

	if err != nil {
		return bearer.Claims{}, err
	}

	return bearer.Claims{
		Subject:   claims.Subject,
		ClientID:  claims.ClientID,
		Scopes:    claims.Scope,
		ExpiresAt: claims.ExpiresAt,
	}, nil
}
