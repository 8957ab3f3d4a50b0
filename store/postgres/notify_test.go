package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/store"
	"github.com/scopegate/scopegate/store/postgres/postgrestest"
)

// notificationWait bounds how long a test waits for one notification. A
// notification arrives in milliseconds, and a reconnection within the
// longest retry wait of 2 s plus a connection attempt. The rest leaves
// room for a loaded machine.
const notificationWait = 15 * time.Second

// listening is a running Listen call whose notifications a test reads.
type listening struct {
	changes chan string
}

// listen runs s.Listen until the test ends and waits for its first call,
// which announces that it is listening.
func listen(t *testing.T, s *Store) *listening {
	t.Helper()

	ctx, cancel := context.WithCancel(context.Background())
	l := &listening{changes: make(chan string, 100)}

	var wg sync.WaitGroup
	wg.Go(func() {
		err := s.Listen(ctx, func(username string) {
			select {
			case l.changes <- username:
			case <-ctx.Done():
			}
		})
		if err != nil {
			t.Errorf("Listen() = %v, want nil", err)
		}
	})

	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})

	l.expect(t, "")

	return l
}

// expect waits for a notification of username. Notifications of other
// usernames, which tests in other schemas of the database send on the same
// channel, are skipped, unless one names a username in forbidden.
func (l *listening) expect(t *testing.T, username string, forbidden ...string) {
	t.Helper()

	timeout := time.After(notificationWait)

	for {
		select {
		case got := <-l.changes:
			for _, name := range forbidden {
				if got == name {
					t.Errorf("notification %q arrived, want none for a change that failed", got)
				}
			}

			if got == username {
				return
			}
		case <-timeout:
			t.Fatalf("no notification %q within %s", username, notificationWait)
		}
	}
}

// uniqueName returns prefix followed by random letters, so notifications
// of parallel tests do not match.
func uniqueName(prefix string) string {
	return prefix + "-" + strings.ToLower(rand.Text()[:8])
}

func TestListenAnnouncesChanges(t *testing.T) {
	url := postgrestest.NewSchema(t)
	writer := openStore(t, url, Options{})
	listener := listen(t, openStore(t, url, Options{}))
	alice := uniqueName("alice")
	bob := uniqueName("bob")

	createTestUser(t, writer, alice)
	listener.expect(t, alice)

	tests := []struct {
		name   string
		change func(ctx context.Context) error
		want   string
	}{
		{name: "SetDisabled", want: alice, change: func(ctx context.Context) error {
			return writer.SetDisabled(ctx, alice, true)
		}},
		{name: "SetPasswordHash", want: alice, change: func(ctx context.Context) error {
			return writer.SetPasswordHash(ctx, alice, "new hash")
		}},
		{name: "GrantScopes", want: alice, change: func(ctx context.Context) error {
			return writer.GrantScopes(ctx, alice, scope.New("items"))
		}},
		{name: "RevokeScopes", want: alice, change: func(ctx context.Context) error {
			return writer.RevokeScopes(ctx, alice, scope.New("me"))
		}},
		{name: "CreateUser", want: bob, change: func(ctx context.Context) error {
			return writer.CreateUser(ctx, store.User{Username: bob, PasswordHash: "hash"})
		}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.change(t.Context()); err != nil {
				t.Fatalf("%s() = %v, want nil", tt.name, err)
			}

			listener.expect(t, tt.want)
		})
	}
}

// TestListenFailedChange checks that a change that fails, and so rolls
// back, announces nothing: the next notification is the one of the change
// after it.
func TestListenFailedChange(t *testing.T) {
	url := postgrestest.NewSchema(t)
	writer := openStore(t, url, Options{})
	listener := listen(t, openStore(t, url, Options{}))
	alice := uniqueName("alice")
	nobody := uniqueName("nobody")
	createTestUser(t, writer, alice)
	listener.expect(t, alice)

	if err := writer.SetDisabled(t.Context(), nobody, true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SetDisabled(unknown user) = %v, want an error wrapping store.ErrNotFound", err)
	}
	if err := writer.CreateUser(t.Context(), store.User{Username: alice, PasswordHash: "x"}); err == nil {
		t.Fatalf("CreateUser(duplicate) = nil, want an error")
	}
	if err := writer.GrantScopes(t.Context(), alice, scope.New("items")); err != nil {
		t.Fatalf("GrantScopes() = %v, want nil", err)
	}

	listener.expect(t, alice, nobody)
}

func TestListenLongUsername(t *testing.T) {
	url := postgrestest.NewSchema(t)
	writer := openStore(t, url, Options{})
	listener := listen(t, openStore(t, url, Options{}))
	long := uniqueName(strings.Repeat("x", maxPayload))

	createTestUser(t, writer, long)

	// The username is too long for a payload, so the store announces that
	// anyone may have changed.
	listener.expect(t, "")
}

// TestListenReconnects cuts the listening connection and checks that
// Listen reports the failure, reconnects once the database is back,
// announces that anyone may have changed, and passes on changes again.
func TestListenReconnects(t *testing.T) {
	base := postgrestest.NewSchema(t)
	proxied, proxy := postgrestest.ThroughProxy(t, base)
	writer := openStore(t, base, Options{})

	failures := make(chan error, 100)
	// The query timeout also bounds each connection attempt, which a
	// loaded machine can take a second for.
	listenerStore := openStore(t, proxied, Options{
		QueryTimeout: 2 * time.Second,
		ErrorHook: func(err error) {
			select {
			case failures <- err:
			default:
			}
		},
	})
	listener := listen(t, listenerStore)

	proxy.Cut()

	select {
	case err := <-failures:
		if !strings.Contains(err.Error(), "listen for user changes") {
			t.Errorf("reported error %q does not say what failed", err)
		}
	case <-time.After(notificationWait):
		t.Fatalf("no error reported within %s of the cut", notificationWait)
	}

	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}

	listener.expect(t, "")

	alice := uniqueName("alice")
	createTestUser(t, writer, alice)
	listener.expect(t, alice)
}

func TestListenNilFunction(t *testing.T) {
	s := openStore(t, postgrestest.NewSchema(t), Options{})

	if err := s.Listen(t.Context(), nil); err == nil {
		t.Error("Listen(nil) = nil, want an error")
	}
}
