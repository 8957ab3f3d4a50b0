package token_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/token"
)

func Example() {
	key, err := token.GenerateHS256Key()
	if err != nil {
		log.Fatal(err)
	}

	// A fixed clock keeps the output stable. Servers leave Now nil.
	now := func() time.Time { return time.Date(2030, 1, 2, 15, 4, 5, 0, time.UTC) }

	issuer, err := token.NewIssuer(token.IssuerConfig{
		Issuer:   "https://auth.example.com",
		Audience: "https://api.example.com",
		Key:      key,
		TTL:      30 * time.Minute,
		Now:      now,
	})
	if err != nil {
		log.Fatal(err)
	}

	verifier, err := token.NewVerifier(token.VerifierConfig{
		Issuer:   "https://auth.example.com",
		Audience: "https://api.example.com",
		Keys:     []token.Key{key},
		Now:      now,
	})
	if err != nil {
		log.Fatal(err)
	}

	raw, _, err := issuer.Issue("johndoe", "scopegate-cli", scope.New("me", "items"))
	if err != nil {
		log.Fatal(err)
	}

	claims, err := verifier.Verify(context.Background(), raw)
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println("subject:", claims.Subject)
	fmt.Println("client:", claims.ClientID)
	fmt.Println("scope:", claims.Scope)
	fmt.Println("expires:", claims.ExpiresAt.UTC().Format(time.RFC3339))

	// An hour later the token has expired.
	later, err := token.NewVerifier(token.VerifierConfig{
		Issuer:   "https://auth.example.com",
		Audience: "https://api.example.com",
		Keys:     []token.Key{key},
		Now:      func() time.Time { return now().Add(time.Hour) },
	})
	if err != nil {
		log.Fatal(err)
	}

	_, err = later.Verify(context.Background(), raw)
	fmt.Println("an hour later:", err)
	fmt.Println("invalid:", errors.Is(err, token.ErrInvalid))
	// Output:
	// subject: johndoe
	// client: scopegate-cli
	// scope: me items
	// expires: 2030-01-02T15:34:05Z
	// an hour later: token: expired at 2030-01-02T15:34:05Z
	// invalid: true
}
