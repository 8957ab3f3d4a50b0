package scope

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is the error that [Parse] and [Validate] wrap when a scope
// string breaks the scope-token syntax of RFC 6749 §3.3.
var ErrInvalid = errors.New("scope: invalid scope")

// Validate reports whether name is one scope-token: at least one character,
// each one of %x21, %x23-5B or %x5D-7E. Spaces, control characters,
// double quotes, backslashes and non-ASCII characters are invalid.
func Validate(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty scope token", ErrInvalid)
	}

	for i := 0; i < len(name); i++ {
		if !isScopeChar(name[i]) {
			return fmt.Errorf("%w: %q contains the character %q at byte %d", ErrInvalid, name, name[i], i)
		}
	}

	return nil
}

func isScopeChar(c byte) bool {
	return c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)
}

// Set is a list of distinct scope tokens in the order they were first added.
// The zero value is an empty set. A Set is immutable: every method that
// combines sets returns a new one.
type Set struct {
	names []string
}

// New returns the set of the given names, dropping repeats.
// It panics on a name that is not a valid scope token, so it suits
// scopes written in code. Use [Parse] for input.
func New(names ...string) Set {
	var s Set
	for _, name := range names {
		if err := Validate(name); err != nil {
			panic(err)
		}

		s = s.with(name)
	}

	return s
}

// Parse reads a space-delimited scope string (RFC 6749 §3.3). Runs of
// spaces, and spaces at either end, are allowed and ignored, and a repeated
// scope is kept once. An empty string, or one of spaces only, is the empty
// set. Any other separator, such as a tab or a comma, is part of a token,
// so "me,items" is the one token "me,items" and a tab is invalid.
func Parse(s string) (Set, error) {
	var set Set
	for _, field := range strings.Split(s, " ") {
		if field == "" {
			continue
		}

		if err := Validate(field); err != nil {
			return Set{}, err
		}

		set = set.with(field)
	}

	return set, nil
}

// FromList returns the set of names, as read from a JSON list of scopes.
// It validates each name as [Parse] does.
func FromList(names []string) (Set, error) {
	var set Set
	for _, name := range names {
		if err := Validate(name); err != nil {
			return Set{}, err
		}

		set = set.with(name)
	}

	return set, nil
}

func (s Set) with(name string) Set {
	if s.Contains(name) {
		return s
	}

	names := make([]string, len(s.names), len(s.names)+1)
	copy(names, s.names)

	return Set{names: append(names, name)}
}

// String formats the set as a space-delimited scope string, the form that
// token responses, the scope claim and WWW-Authenticate challenges use.
func (s Set) String() string {
	return strings.Join(s.names, " ")
}

// Append appends the set's [Set.String] form to b and returns the result.
// It allocates nothing when b has room, which suits keys built on a hot
// path.
func (s Set) Append(b []byte) []byte {
	for i, name := range s.names {
		if i > 0 {
			b = append(b, ' ')
		}

		b = append(b, name...)
	}

	return b
}

// Names returns a copy of the scope tokens in order.
func (s Set) Names() []string {
	names := make([]string, len(s.names))
	copy(names, s.names)

	return names
}

// Len returns the number of scopes in the set.
func (s Set) Len() int {
	return len(s.names)
}

// IsEmpty reports whether the set has no scopes.
func (s Set) IsEmpty() bool {
	return len(s.names) == 0
}

// Contains reports whether name is in the set. Scope tokens are
// case-sensitive, so "Me" is not "me".
func (s Set) Contains(name string) bool {
	for _, n := range s.names {
		if n == name {
			return true
		}
	}

	return false
}

// ContainsAll reports whether every scope of other is in s.
func (s Set) ContainsAll(other Set) bool {
	for _, name := range other.names {
		if !s.Contains(name) {
			return false
		}
	}

	return true
}

// Missing returns the scopes of required that s lacks, in the order of
// required.
func (s Set) Missing(required Set) Set {
	var missing Set
	for _, name := range required.names {
		if !s.Contains(name) {
			missing.names = append(missing.names, name)
		}
	}

	return missing
}

// Union returns the scopes of s followed by those of other that s lacks.
func (s Set) Union(other Set) Set {
	union := s
	for _, name := range other.names {
		union = union.with(name)
	}

	return union
}

// Intersect returns the scopes of s that are also in other, in the order
// of s.
func (s Set) Intersect(other Set) Set {
	var common Set
	for _, name := range s.names {
		if other.Contains(name) {
			common.names = append(common.names, name)
		}
	}

	return common
}

// Equal reports whether s and other hold the same scopes, in any order.
func (s Set) Equal(other Set) bool {
	return s.Len() == other.Len() && s.ContainsAll(other)
}
