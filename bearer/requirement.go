package bearer

import (
	"github.com/scopegate/scopegate/scope"
)

// Requirement is what a route demands of a token: one or more alternative
// scope sets, of which the token must hold at least one in full. OpenAPI
// writes the same thing as a list of security requirement objects, whose
// entries are alternatives and whose scope lists must all be held.
//
// The zero value is no declaration at all: it is satisfied by nothing, and
// [Guard.Require] and the api package reject it, so a route that forgot to
// declare its security fails closed. [Authenticated] demands a valid token
// and no scope. Requirements accumulate along a chain of dependencies: a dependency that
// needs "me" and a route built on it that adds "items" need both, as
// FastAPI's Security(..., scopes=[...]) does.
type Requirement struct {
	// alternatives is never empty once built through the constructors.
	alternatives []scope.Set
}

// Authenticated is the requirement of a valid token with no scope.
var Authenticated = Requirement{alternatives: []scope.Set{{}}}

// Scopes returns the requirement of a token holding every named scope.
// It panics on an invalid scope name, because requirements are written in
// code.
func Scopes(names ...string) Requirement {
	return Requirement{alternatives: []scope.Set{scope.New(names...)}}
}

// AnyOf returns the requirement of a token holding every scope of at least
// one of the given requirements.
func AnyOf(requirements ...Requirement) Requirement {
	var r Requirement
	for _, req := range requirements {
		r.alternatives = append(r.alternatives, req.Alternatives()...)
	}

	return r
}

// With returns the requirement r plus the named scopes, added to each
// alternative. It is how a route adds its own scopes to those of the
// dependency it is built on. On the zero Requirement it is [Scopes].
func (r Requirement) With(names ...string) Requirement {
	if r.IsZero() {
		return Scopes(names...)
	}

	extra := scope.New(names...)

	alternatives := r.Alternatives()
	for i, alt := range alternatives {
		alternatives[i] = alt.Union(extra)
	}

	return Requirement{alternatives: alternatives}
}

// IsZero reports whether r is the zero value, which declares nothing.
func (r Requirement) IsZero() bool {
	return len(r.alternatives) == 0
}

// Alternatives returns the scope sets of which a token must hold one in
// full. It is empty only for the zero Requirement.
func (r Requirement) Alternatives() []scope.Set {
	alternatives := make([]scope.Set, len(r.alternatives))
	copy(alternatives, r.alternatives)

	return alternatives
}

// SatisfiedBy reports whether granted holds every scope of at least one
// alternative. The zero Requirement is satisfied by nothing.
func (r Requirement) SatisfiedBy(granted scope.Set) bool {
	// Ranging over the field, not a copy, keeps each request's check free
	// of allocations.
	for _, alt := range r.alternatives {
		if granted.ContainsAll(alt) {
			return true
		}
	}

	return false
}

// All returns the union of every alternative, the scopes that a challenge
// names when a token satisfies none of them.
func (r Requirement) All() scope.Set {
	var all scope.Set
	for _, alt := range r.alternatives {
		all = all.Union(alt)
	}

	return all
}
