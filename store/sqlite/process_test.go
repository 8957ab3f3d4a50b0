package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scopegate/scopegate/store"
)

const (
	// helperPathEnv names the database file that TestHelperProcess writes.
	helperPathEnv = "SCOPEGATE_SQLITE_HELPER_PATH"

	// helperNameEnv names the helper process. It prefixes the usernames the
	// process creates and is the key ID it generates.
	helperNameEnv = "SCOPEGATE_SQLITE_HELPER_NAME"

	// helperUsers is how many users each helper process creates.
	helperUsers = 100
)

// TestTwoProcesses starts two processes that open one file at the same
// moment, each migrating it, ensuring a signing key and creating users.
func TestTwoProcesses(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
	}{
		{name: "NewFile", prepare: func(*testing.T, string) {}},
		// Both processes find goose's version table and the same pending
		// migrations, so only the migration lock keeps them from both
		// applying a migration.
		{name: "VersionTableOnly", prepare: createVersionTable},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "scopegate.db")
			tt.prepare(t, path)

			outputs := runHelpers(t, path, []string{"first", "second"})

			assertHelperWrites(t, path, outputs)
		})
	}
}

// createVersionTable creates the file at path with goose's version table
// and no migration applied.
func createVersionTable(t *testing.T, path string) {
	t.Helper()

	uri, err := fileURI(path)
	if err != nil {
		t.Fatalf("fileURI(%q) = %v", path, err)
	}

	db, err := sql.Open("sqlite", uri)
	if err != nil {
		t.Fatalf("sql.Open() = %v", err)
	}
	defer db.Close()

	provider, err := newProvider(db)
	if err != nil {
		t.Fatalf("newProvider() = %v", err)
	}

	// GetDBVersion creates the version table with version 0 in it.
	if version, err := provider.GetDBVersion(t.Context()); err != nil || version != 0 {
		t.Fatalf("GetDBVersion() = %d, %v, want 0, nil", version, err)
	}
}

// assertHelperWrites checks that the file at path holds the users of every
// helper process and one signing key, the key that each process printed.
func assertHelperWrites(t *testing.T, path string, outputs []string) {
	t.Helper()

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open() = %v, want nil", err)
	}
	defer closeStore(t, s)

	users, err := s.ListUsers(t.Context())
	if err != nil {
		t.Fatalf("ListUsers() = %v, want nil", err)
	}
	if want := len(outputs) * helperUsers; len(users) != want {
		t.Errorf("ListUsers() returned %d users, want %d", len(users), want)
	}

	keys, err := s.SigningKeys(t.Context())
	if err != nil {
		t.Fatalf("SigningKeys() = %v, want nil", err)
	}
	if len(keys) != 1 {
		t.Fatalf("SigningKeys() returned %d keys, want 1", len(keys))
	}

	for i, output := range outputs {
		keyID, ok := helperKeyID(output)
		if !ok {
			t.Errorf("process %d printed no key ID:\n%s", i, output)
		} else if keyID != keys[0].ID {
			t.Errorf("process %d got key %q, want the stored key %q", i, keyID, keys[0].ID)
		}
	}

	assertAppliedOnce(t, s)
}

// helperTimeout bounds the run of the helper processes, so that two that
// wait for each other forever fail the test instead of holding it until go
// test's own timeout. They take well under a second on an idle machine.
const helperTimeout = time.Minute

// runHelpers runs TestHelperProcess once per name in a child process, all
// on path, and returns their outputs. The children wait on standard input
// until all of them have started, so they open the file at the same time.
func runHelpers(t *testing.T, path string, names []string) []string {
	t.Helper()

	var (
		cmds    []*exec.Cmd
		starts  []io.WriteCloser
		outputs []*bytes.Buffer
	)

	ctx, cancel := context.WithTimeout(t.Context(), helperTimeout)
	defer cancel()

	for _, name := range names {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperPathEnv+"="+path, helperNameEnv+"="+name)

		output := new(bytes.Buffer)
		cmd.Stdout = output
		cmd.Stderr = output

		start, err := cmd.StdinPipe()
		if err != nil {
			t.Fatalf("StdinPipe() = %v", err)
		}

		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s process: %v", name, err)
		}

		cmds = append(cmds, cmd)
		starts = append(starts, start)
		outputs = append(outputs, output)
	}

	for _, start := range starts {
		_, _ = io.WriteString(start, "start\n")
		_ = start.Close()
	}

	var results []string
	for i, cmd := range cmds {
		err := cmd.Wait()
		if ctx.Err() != nil {
			t.Fatalf("%s process: did not exit within %s and was killed\n%s", names[i], helperTimeout, outputs[i])
		}

		if err != nil {
			t.Fatalf("%s process: %v\n%s", names[i], err, outputs[i])
		}

		results = append(results, outputs[i].String())
	}

	return results
}

// helperKeyID returns the key ID that a helper process printed.
func helperKeyID(output string) (string, bool) {
	for line := range strings.Lines(output) {
		if keyID, ok := strings.CutPrefix(strings.TrimSpace(line), "key ID: "); ok {
			return keyID, true
		}
	}

	return "", false
}

// TestHelperProcess is the child process of TestTwoProcesses. Run directly,
// without the environment that TestTwoProcesses sets, it does nothing.
func TestHelperProcess(t *testing.T) {
	path, name := os.Getenv(helperPathEnv), os.Getenv(helperNameEnv)
	if path == "" || name == "" {
		return
	}

	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		t.Fatalf("wait for start: %v", err)
	}

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open() = %v, want nil", err)
	}
	defer closeStore(t, s)

	key, err := s.EnsureSigningKey(t.Context(), func() (store.SigningKey, error) {
		return store.SigningKey{ID: name, Algorithm: "HS256", Secret: bytes.Repeat([]byte{1}, 32)}, nil
	})
	if err != nil {
		t.Fatalf("EnsureSigningKey() = %v, want nil", err)
	}

	for i := range helperUsers {
		user := store.User{Username: fmt.Sprintf("%s-%03d", name, i), PasswordHash: "hash"}
		if err := s.CreateUser(t.Context(), user); err != nil {
			t.Fatalf("CreateUser(%q) = %v, want nil", user.Username, err)
		}
	}

	fmt.Printf("key ID: %s\n", key.ID)
}
