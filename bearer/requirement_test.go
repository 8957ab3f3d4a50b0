package bearer_test

import (
	"testing"

	"github.com/scopegate/scopegate/bearer"
	"github.com/scopegate/scopegate/scope"
)

// alternativeStrings formats each alternative of r as a scope string.
func alternativeStrings(r bearer.Requirement) []string {
	var out []string
	for _, alt := range r.Alternatives() {
		out = append(out, alt.String())
	}

	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}

	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}

	return true
}

func TestRequirementAlternatives(t *testing.T) {
	tests := []struct {
		name        string
		requirement bearer.Requirement
		want        []string
	}{
		{name: "zero", requirement: bearer.Requirement{}, want: nil},
		{name: "authenticated", requirement: bearer.Authenticated, want: []string{""}},
		{name: "scopes", requirement: bearer.Scopes("me", "items"), want: []string{"me items"}},
		{name: "scopes repeated", requirement: bearer.Scopes("me", "me"), want: []string{"me"}},
		{name: "with on zero", requirement: bearer.Requirement{}.With("items"), want: []string{"items"}},
		{name: "with nothing on zero", requirement: bearer.Requirement{}.With(), want: []string{""}},
		{name: "with accumulates", requirement: bearer.Scopes("me").With("items"), want: []string{"me items"}},
		{name: "with held scope", requirement: bearer.Scopes("me").With("me"), want: []string{"me"}},
		{name: "with on authenticated", requirement: bearer.Authenticated.With("me"), want: []string{"me"}},
		{
			name:        "any of",
			requirement: bearer.AnyOf(bearer.Scopes("admin"), bearer.Scopes("me", "items")),
			want:        []string{"admin", "me items"},
		},
		{
			name:        "any of nested",
			requirement: bearer.AnyOf(bearer.AnyOf(bearer.Scopes("a"), bearer.Scopes("b")), bearer.Scopes("c")),
			want:        []string{"a", "b", "c"},
		},
		{name: "any of nothing", requirement: bearer.AnyOf(), want: nil},
		{
			name:        "with on any of",
			requirement: bearer.AnyOf(bearer.Scopes("admin"), bearer.Scopes("me")).With("items"),
			want:        []string{"admin items", "me items"},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := alternativeStrings(tt.requirement); !equalStrings(got, tt.want) {
				t.Errorf("alternatives = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequirementWithKeepsReceiver(t *testing.T) {
	me := bearer.Scopes("me")
	_ = me.With("items")

	if got := alternativeStrings(me); !equalStrings(got, []string{"me"}) {
		t.Errorf("alternatives after With = %q, want %q", got, []string{"me"})
	}
}

func TestRequirementAlternativesCopy(t *testing.T) {
	me := bearer.Scopes("me")
	me.Alternatives()[0] = scope.New("admin")

	if got := alternativeStrings(me); !equalStrings(got, []string{"me"}) {
		t.Errorf("alternatives after changing the copy = %q, want %q", got, []string{"me"})
	}
}

func TestRequirementIsZero(t *testing.T) {
	tests := []struct {
		name        string
		requirement bearer.Requirement
		want        bool
	}{
		{name: "zero", requirement: bearer.Requirement{}, want: true},
		{name: "any of nothing", requirement: bearer.AnyOf(), want: true},
		{name: "authenticated", requirement: bearer.Authenticated, want: false},
		{name: "scopes", requirement: bearer.Scopes("me"), want: false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.requirement.IsZero(); got != tt.want {
				t.Errorf("IsZero() = %t, want %t", got, tt.want)
			}
		})
	}
}

func TestRequirementSatisfiedBy(t *testing.T) {
	meItems := bearer.Scopes("me").With("items")
	adminOrMeItems := bearer.AnyOf(bearer.Scopes("admin"), meItems)

	tests := []struct {
		name        string
		requirement bearer.Requirement
		granted     scope.Set
		want        bool
	}{
		{name: "zero with nothing", requirement: bearer.Requirement{}, granted: scope.New(), want: false},
		{name: "zero with scopes", requirement: bearer.Requirement{}, granted: scope.New("me"), want: false},
		{name: "authenticated with nothing", requirement: bearer.Authenticated, granted: scope.New(), want: true},
		{name: "authenticated with scope", requirement: bearer.Authenticated, granted: scope.New("me"), want: true},
		{name: "all held", requirement: meItems, granted: scope.New("items", "me"), want: true},
		{name: "more held", requirement: meItems, granted: scope.New("me", "items", "admin"), want: true},
		{name: "only me", requirement: meItems, granted: scope.New("me"), want: false},
		{name: "only items", requirement: meItems, granted: scope.New("items"), want: false},
		{name: "nothing held", requirement: meItems, granted: scope.New(), want: false},
		{name: "case differs", requirement: meItems, granted: scope.New("Me", "items"), want: false},
		{name: "first alternative", requirement: adminOrMeItems, granted: scope.New("admin"), want: true},
		{name: "second alternative", requirement: adminOrMeItems, granted: scope.New("me", "items"), want: true},
		{name: "part of second", requirement: adminOrMeItems, granted: scope.New("me"), want: false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.requirement.SatisfiedBy(tt.granted); got != tt.want {
				t.Errorf("SatisfiedBy(%q) = %t, want %t", tt.granted, got, tt.want)
			}
		})
	}
}

func TestRequirementAll(t *testing.T) {
	tests := []struct {
		name        string
		requirement bearer.Requirement
		want        string
	}{
		{name: "zero", requirement: bearer.Requirement{}, want: ""},
		{name: "authenticated", requirement: bearer.Authenticated, want: ""},
		{name: "accumulated", requirement: bearer.Scopes("me").With("items"), want: "me items"},
		{
			name:        "union of alternatives",
			requirement: bearer.AnyOf(bearer.Scopes("me", "items"), bearer.Scopes("admin", "me")),
			want:        "me items admin",
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.requirement.All().String(); got != tt.want {
				t.Errorf("All() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestScopesInvalidNamePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Scopes with a space in a name did not panic")
		}
	}()

	bearer.Scopes("me items")
}
