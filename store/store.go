// Package store defines scopegate's domain records and the errors its
// storage back ends return. The back ends live in sub-packages:
// store/sqlite for one embedded file and store/postgres for several
// replicas sharing one database. store/storetest is the conformance suite
// that both pass.
//
// Consumers define the narrow interfaces they need (a token endpoint needs
// users, a resource server needs users and items); [Store] lists every
// method a back end offers, for the conformance suite and the wiring code.
package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/scopegate/scopegate/scope"
)

var (
	// ErrNotFound is returned when the requested record does not exist.
	ErrNotFound = errors.New("store: not found")

	// ErrConflict is returned when a record with the same key exists.
	ErrConflict = errors.New("store: already exists")

	// ErrUnavailable wraps failures to reach the database, such as a refused
	// connection or a timeout, so callers can answer 503 instead of 500.
	ErrUnavailable = errors.New("store: database unavailable")
)

// User is a person who logs in with the password grant.
type User struct {
	Username     string
	FullName     string
	Email        string
	PasswordHash string
	Disabled     bool

	// Scopes lists the scopes the user may be granted. A token never carries
	// a scope outside this set.
	Scopes scope.Set

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Item is a record owned by a user, as served at /users/me/items/.
type Item struct {
	ID    string
	Owner string
}

// Scope is an operator-declared scope with its description. The server's
// own scopes are declared in code and are not stored.
type Scope struct {
	Name        string
	Description string
}

// SigningKey is a key that signs or verifies access tokens. Secret holds
// the raw key material: the HMAC key for HS256. It must never be logged.
type SigningKey struct {
	ID        string
	Algorithm string
	Secret    []byte
	CreatedAt time.Time
}

// LogValue keeps the key material out of logs.
func (k SigningKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.ID), slog.String("alg", k.Algorithm))
}

// Store is every method a storage back end offers. Its methods are safe for
// concurrent use, and the times they return are in UTC. A method given a
// username or an item owner that is not a user returns an error wrapping
// ErrNotFound. The suite in store/storetest checks this contract.
type Store interface {
	// CreateUser stores a new user with its scopes in the order of
	// user.Scopes. A zero CreatedAt becomes the current time, and a zero
	// UpdatedAt becomes CreatedAt. An empty username is an error, and a taken
	// one is an error wrapping ErrConflict.
	CreateUser(ctx context.Context, user User) error

	// User returns the user with its scopes in the order they were granted.
	User(ctx context.Context, username string) (User, error)

	// ListUsers returns every user ordered by username.
	ListUsers(ctx context.Context) ([]User, error)

	// SetPasswordHash replaces the user's password hash and sets UpdatedAt.
	SetPasswordHash(ctx context.Context, username, hash string) error

	// SetDisabled disables or enables the user and sets UpdatedAt.
	SetDisabled(ctx context.Context, username string, disabled bool) error

	// GrantScopes adds the scopes that the user does not hold yet after the
	// ones it holds, and sets UpdatedAt.
	GrantScopes(ctx context.Context, username string, scopes scope.Set) error

	// RevokeScopes removes the scopes from the user, ignoring the ones it
	// does not hold, and sets UpdatedAt.
	RevokeScopes(ctx context.Context, username string, scopes scope.Set) error

	// CreateItem stores an item. An empty ID is an error, and an ID that the
	// owner already uses is an error wrapping ErrConflict.
	CreateItem(ctx context.Context, item Item) error

	// Items returns the owner's items ordered by ID.
	Items(ctx context.Context, owner string) ([]Item, error)

	// AddScope stores an operator-declared scope. A name that is not a valid
	// scope token is an error wrapping scope.ErrInvalid, and a stored name
	// is an error wrapping ErrConflict.
	AddScope(ctx context.Context, s Scope) error

	// Scopes returns the operator-declared scopes ordered by name.
	Scopes(ctx context.Context) ([]Scope, error)

	// SigningKeys returns every signing key, newest first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)

	// EnsureSigningKey returns the newest signing key. When there is none,
	// it calls generate and stores the key that generate returns, atomically,
	// so that concurrent callers, in other processes too, all get the one key
	// stored. A key without ID, algorithm or key material is an error. A zero
	// CreatedAt becomes the current time. generate must not call the store.
	EnsureSigningKey(ctx context.Context, generate func() (SigningKey, error)) (SigningKey, error)

	// AddSigningKey stores a new signing key, such as the next key of a
	// rotation. A key without ID, algorithm or key material is an error, a
	// zero CreatedAt becomes the current time, and a key ID already stored
	// is an error wrapping ErrConflict.
	AddSigningKey(ctx context.Context, key SigningKey) error

	// Ping reports whether the database can be reached. Its error wraps
	// ErrUnavailable.
	Ping(ctx context.Context) error

	// Close releases the database connections.
	Close() error
}
