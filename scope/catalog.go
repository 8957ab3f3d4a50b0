package scope

import (
	"errors"
	"fmt"
)

// ErrUnknown is the error that [Catalog.Check] wraps when a set names a
// scope the catalog does not declare.
var ErrUnknown = errors.New("scope: unknown scope")

// Entry is one declared scope and the description shown when a person
// grants it.
type Entry struct {
	Name        string
	Description string
}

// Catalog is the ordered list of scopes a server declares. The zero value
// is an empty catalog. A Catalog is not safe for concurrent modification;
// build it at start-up and then only read it.
type Catalog struct {
	entries []Entry
}

// Declare adds a scope to the catalog. Declaring a name again with the same
// description does nothing; with another description it is an error, so
// two parts of a program cannot describe one scope in two ways.
func (c *Catalog) Declare(name, description string) error {
	if err := Validate(name); err != nil {
		return err
	}

	for _, entry := range c.entries {
		if entry.Name != name {
			continue
		}

		if entry.Description != description {
			return fmt.Errorf("scope: %q is already declared as %q, not %q", name, entry.Description, description)
		}

		return nil
	}

	c.entries = append(c.entries, Entry{Name: name, Description: description})

	return nil
}

// MustDeclare is like [Catalog.Declare] but panics on error. It suits
// scopes declared in code at start-up.
func (c *Catalog) MustDeclare(name, description string) {
	if err := c.Declare(name, description); err != nil {
		panic(err)
	}
}

// Entries returns a copy of the declared scopes in declaration order.
func (c *Catalog) Entries() []Entry {
	entries := make([]Entry, len(c.entries))
	copy(entries, c.entries)

	return entries
}

// Lookup returns the entry for name and whether the catalog declares it.
func (c *Catalog) Lookup(name string) (Entry, bool) {
	for _, entry := range c.entries {
		if entry.Name == name {
			return entry, true
		}
	}

	return Entry{}, false
}

// Set returns every declared scope as a set.
func (c *Catalog) Set() Set {
	var set Set
	for _, entry := range c.entries {
		set = set.with(entry.Name)
	}

	return set
}

// Check returns an error wrapping [ErrUnknown] that names the first scope
// of s the catalog does not declare, or nil when it declares them all.
func (c *Catalog) Check(s Set) error {
	for _, name := range s.names {
		if _, ok := c.Lookup(name); !ok {
			return fmt.Errorf("%w %q", ErrUnknown, name)
		}
	}

	return nil
}
