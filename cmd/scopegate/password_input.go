package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/scopegate/scopegate/password"
)

// maxPasswordBytes bounds what --password-stdin reads: the longest
// password that password.Hasher hashes.
const maxPasswordBytes = password.MaxLength

// minPasswordLength is the shortest password the command line sets, the
// minimum that NIST SP 800-63B §3.1.1.2 gives for passwords a user chooses.
const minPasswordLength = 8

// readPassword reads a new password from standard input when fromStdin is
// set, and otherwise prompts for it twice on the terminal without echo.
// Passwords never come from a flag value, where other users of the machine
// could read them in the process list.
func readPassword(cmd *cobra.Command, fromStdin bool) (string, error) {
	if fromStdin {
		return readPasswordFrom(cmd.InOrStdin())
	}

	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", errors.New("standard input is not a terminal; pipe the password in and pass --password-stdin")
	}

	first, err := prompt(cmd, fd, "Password: ")
	if err != nil {
		return "", err
	}

	second, err := prompt(cmd, fd, "Repeat the password: ")
	if err != nil {
		return "", err
	}

	if first != second {
		return "", errors.New("the two passwords differ; run the command again")
	}

	return checkPassword(first)
}

func prompt(cmd *cobra.Command, fd int, text string) (string, error) {
	fmt.Fprint(cmd.ErrOrStderr(), text)

	line, err := term.ReadPassword(fd)
	fmt.Fprintln(cmd.ErrOrStderr())

	if err != nil {
		return "", fmt.Errorf("read the password from the terminal: %w", err)
	}

	return string(line), nil
}

func readPasswordFrom(r io.Reader) (string, error) {
	// Two bytes more than the limit leave room for a line break of "\r\n",
	// which is not part of the password.
	data, err := io.ReadAll(io.LimitReader(r, maxPasswordBytes+3))
	if err != nil {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}

	data = bytes.TrimSuffix(data, []byte("\n"))
	data = bytes.TrimSuffix(data, []byte("\r"))

	if len(data) > maxPasswordBytes {
		return "", fmt.Errorf("the password on standard input is longer than %d bytes", maxPasswordBytes)
	}

	return checkPassword(string(data))
}

func checkPassword(plain string) (string, error) {
	if plain == "" {
		return "", errors.New("the password is empty")
	}

	if !utf8.ValidString(plain) || strings.ContainsFunc(plain, unicode.IsControl) {
		return "", errors.New("the password contains invalid UTF-8 or control characters, " +
			"which the token endpoint does not accept")
	}

	if n := utf8.RuneCountInString(plain); n < minPasswordLength {
		return "", fmt.Errorf("the password has %d characters; use at least %d", n, minPasswordLength)
	}

	if len(plain) > password.MaxLength {
		return "", fmt.Errorf("the password has %d bytes; use at most %d", len(plain), password.MaxLength)
	}

	return plain, nil
}
