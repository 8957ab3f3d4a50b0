package postgrestest

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// recorder is a testing.TB that records what NewSchema does with it.
// Skipf and Fatalf end the calling goroutine, as testing.T's do.
type recorder struct {
	testing.TB

	skipped, failed bool
	message         string
	cleanups        []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = true
	r.message = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.message = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.message = fmt.Sprintf(format, args...)
}

func (r *recorder) Cleanup(fn func()) {
	r.cleanups = append(r.cleanups, fn)
}

func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// newSchema calls NewSchema with r on a goroutine of its own, which Skipf
// and Fatalf may end.
func newSchema(r *recorder) string {
	var url string

	done := make(chan struct{})
	go func() {
		defer close(done)
		url = NewSchema(r)
	}()
	<-done

	return url
}

func TestNewSchemaWithoutVariable(t *testing.T) {
	t.Setenv(EnvURL, "")
	var r recorder

	newSchema(&r)

	if !r.skipped {
		t.Errorf("NewSchema without %s did not skip", EnvURL)
	}
	for _, want := range []string{EnvURL, ExampleURL} {
		if !strings.Contains(r.message, want) {
			t.Errorf("skip message %q does not name %s", r.message, want)
		}
	}
}

func TestNewSchemaUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}

	t.Setenv(EnvURL, "postgres://postgres@"+addr+"/test?sslmode=disable")
	var r recorder

	newSchema(&r)

	if r.skipped {
		t.Errorf("NewSchema with an unreachable database skipped: %s", r.message)
	}
	if !r.failed {
		t.Errorf("NewSchema with an unreachable database did not fail the test")
	}
}

func TestNewSchemaCreatesAndDrops(t *testing.T) {
	if os.Getenv(EnvURL) == "" {
		t.Skipf("set %s to run this test, for example %s=%q", EnvURL, EnvURL, ExampleURL)
	}

	var r recorder
	url := newSchema(&r)
	if r.failed || r.skipped {
		t.Fatalf("NewSchema failed: %s", r.message)
	}

	schema := currentSchema(t, url)
	if !strings.HasPrefix(schema, "scopegate_test_") {
		t.Errorf("current_schema() = %q, want a scopegate_test_ schema", schema)
	}

	r.runCleanups()

	if r.failed {
		t.Fatalf("cleanup failed: %s", r.message)
	}
	if got := currentSchema(t, url); got != "" {
		t.Errorf("current_schema() after the cleanup = %q, want none", got)
	}
}

// currentSchema returns the schema that url selects, or "" when its
// search_path names no existing schema.
func currentSchema(t *testing.T, url string) string {
	t.Helper()

	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.Background())

	var schema *string
	if err := conn.QueryRow(t.Context(), "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatalf("SELECT current_schema(): %v", err)
	}

	if schema == nil {
		return ""
	}

	return *schema
}

func TestWithSearchPath(t *testing.T) {
	tests := []struct {
		name       string
		connString string
		want       string
	}{
		{name: "URL", connString: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
			want: "postgres://postgres@127.0.0.1:5432/test?search_path=sg&sslmode=disable"},
		{name: "URL replaces", connString: "postgresql://h/db?search_path=old",
			want: "postgresql://h/db?search_path=sg"},
		{name: "key=value", connString: "host=127.0.0.1 dbname=test",
			want: "host=127.0.0.1 dbname=test search_path=sg"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := WithSearchPath(tt.connString, "sg")

			if err != nil {
				t.Fatalf("WithSearchPath() = %v, want nil", err)
			}
			if got != tt.want {
				t.Errorf("WithSearchPath() = %q, want %q", got, tt.want)
			}
		})
	}
}
