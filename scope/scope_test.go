package scope_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/scope"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{name: "empty", input: "", want: []string{}},
		{name: "spaces only", input: "   ", want: []string{}},
		{name: "one", input: "me", want: []string{"me"}},
		{name: "two", input: "me items", want: []string{"me", "items"}},
		{name: "order kept", input: "items me", want: []string{"items", "me"}},
		{name: "extra spaces", input: "  me   items  ", want: []string{"me", "items"}},
		{name: "duplicates collapse", input: "me me items me", want: []string{"me", "items"}},
		{name: "comma is part of token", input: "me,items", want: []string{"me,items"}},
		{name: "case-sensitive", input: "me Me ME", want: []string{"me", "Me", "ME"}},
		{name: "punctuation allowed", input: "read:items https://api.example.test/x!#$%&'()*+-./", want: []string{
			"read:items", "https://api.example.test/x!#$%&'()*+-./",
		}},
		{name: "brackets and tilde", input: "[a]^_`{|}~", want: []string{"[a]^_`{|}~"}},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scope.Parse(tt.input)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v, want nil", tt.input, err)
			}

			names := got.Names()
			if len(names) != len(tt.want) {
				t.Fatalf("Parse(%q) = %q, want %q", tt.input, names, tt.want)
			}

			for i := range names {
				if names[i] != tt.want[i] {
					t.Errorf("Parse(%q)[%d] = %q, want %q", tt.input, i, names[i], tt.want[i])
				}
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name  string
		input string
	}{
		{name: "double quote", input: `me "items"`},
		{name: "backslash", input: `me\items`},
		{name: "tab separator", input: "me\titems"},
		{name: "newline", input: "me\nitems"},
		{name: "carriage return", input: "me\r"},
		{name: "NUL", input: "me\x00"},
		{name: "DEL", input: "me\x7f"},
		{name: "non-ASCII", input: "m\u00e9"},
		{name: "non-breaking space", input: "me\u00a0items"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scope.Parse(tt.input)
			if !errors.Is(err, scope.ErrInvalid) {
				t.Fatalf("Parse(%q) error = %v, want ErrInvalid", tt.input, err)
			}

			if !got.IsEmpty() {
				t.Errorf("Parse(%q) = %q on error, want the empty set", tt.input, got)
			}
		})
	}
}

func TestValidateEmpty(t *testing.T) {
	if err := scope.Validate(""); !errors.Is(err, scope.ErrInvalid) {
		t.Errorf("Validate(\"\") error = %v, want ErrInvalid", err)
	}
}

func TestFromList(t *testing.T) {
	got, err := scope.FromList([]string{"me", "items", "me"})
	if err != nil {
		t.Fatalf("FromList error = %v", err)
	}

	if got.String() != "me items" {
		t.Errorf("FromList = %q, want %q", got, "me items")
	}

	if _, err := scope.FromList([]string{""}); !errors.Is(err, scope.ErrInvalid) {
		t.Errorf("FromList([\"\"]) error = %v, want ErrInvalid", err)
	}

	if _, err := scope.FromList([]string{"me items"}); !errors.Is(err, scope.ErrInvalid) {
		t.Errorf("FromList([\"me items\"]) error = %v, want ErrInvalid", err)
	}
}

func TestNewPanicsOnInvalid(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(\"bad scope\") did not panic")
		}
	}()

	scope.New("bad scope")
}

func TestSetOperations(t *testing.T) {
	me := scope.New("me")
	both := scope.New("me", "items")
	other := scope.New("items", "admin")

	if !both.Contains("me") || both.Contains("admin") {
		t.Errorf("Contains: me=%t admin=%t, want true false", both.Contains("me"), both.Contains("admin"))
	}

	if !both.ContainsAll(me) {
		t.Error("ContainsAll(me) = false, want true")
	}

	if me.ContainsAll(both) {
		t.Error("me.ContainsAll(me items) = true, want false")
	}

	if got := me.Missing(both).String(); got != "items" {
		t.Errorf("Missing = %q, want %q", got, "items")
	}

	if got := both.Union(other).String(); got != "me items admin" {
		t.Errorf("Union = %q, want %q", got, "me items admin")
	}

	if got := both.Intersect(other).String(); got != "items" {
		t.Errorf("Intersect = %q, want %q", got, "items")
	}

	if !both.Equal(scope.New("items", "me")) {
		t.Error("Equal ignores order: got false, want true")
	}

	if both.Equal(other) {
		t.Error("Equal(me items, items admin) = true, want false")
	}

	var empty scope.Set
	if empty.String() != "" || !empty.IsEmpty() || empty.Len() != 0 {
		t.Errorf("zero Set = %q (len %d), want empty", empty, empty.Len())
	}

	if !both.ContainsAll(empty) {
		t.Error("ContainsAll(empty) = false, want true")
	}
}

func TestSetImmutable(t *testing.T) {
	base := scope.New("me")
	_ = base.Union(scope.New("items"))

	names := base.Names()
	names[0] = "changed"

	if base.String() != "me" {
		t.Errorf("base = %q after Union and Names edit, want %q", base, "me")
	}
}

func TestCatalog(t *testing.T) {
	var catalog scope.Catalog
	catalog.MustDeclare("me", "Read information about the current user.")
	catalog.MustDeclare("items", "Read items.")

	if err := catalog.Declare("me", "Read information about the current user."); err != nil {
		t.Errorf("Declare same description again error = %v, want nil", err)
	}

	if err := catalog.Declare("me", "Something else."); err == nil {
		t.Error("Declare with another description error = nil, want an error")
	}

	if err := catalog.Declare("bad scope", "x"); !errors.Is(err, scope.ErrInvalid) {
		t.Errorf("Declare invalid name error = %v, want ErrInvalid", err)
	}

	entry, ok := catalog.Lookup("items")
	if !ok || entry.Description != "Read items." {
		t.Errorf("Lookup(items) = %+v, %t", entry, ok)
	}

	if got := catalog.Set().String(); got != "me items" {
		t.Errorf("Set = %q, want %q", got, "me items")
	}

	if err := catalog.Check(scope.New("me", "items")); err != nil {
		t.Errorf("Check(declared) error = %v, want nil", err)
	}

	err := catalog.Check(scope.New("me", "admin"))
	if !errors.Is(err, scope.ErrUnknown) {
		t.Fatalf("Check(admin) error = %v, want ErrUnknown", err)
	}

	if want := `scope: unknown scope "admin"`; err.Error() != want {
		t.Errorf("Check(admin) error = %q, want %q", err, want)
	}

	if len(catalog.Entries()) != 2 {
		t.Errorf("Entries has %d entries, want 2", len(catalog.Entries()))
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{"", "me items", "  me  me ", "me,items", "a\tb", "\"", "\\", "\xff"} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, input string) {
		set, err := scope.Parse(input)
		if err != nil {
			return
		}

		again, err := scope.Parse(set.String())
		if err != nil {
			t.Fatalf("Parse(String()) of %q failed: %v", set, err)
		}

		if !again.Equal(set) {
			t.Fatalf("round trip of %q gave %q", set, again)
		}

		for _, name := range set.Names() {
			if err := scope.Validate(name); err != nil {
				t.Fatalf("Parse(%q) returned invalid token %q", input, name)
			}
		}
	})
}

func TestAppend(t *testing.T) {
	tests := []struct {
		set  scope.Set
		want string
	}{
		{scope.Set{}, "prefix:"},
		{scope.New("me"), "prefix:me"},
		{scope.New("me", "items", "admin"), "prefix:me items admin"},
	}

	for _, tt := range tests {
		got := string(tt.set.Append([]byte("prefix:")))
		if got != tt.want {
			t.Errorf("Append = %q, want %q", got, tt.want)
		}

		if tt.set.String() != strings.TrimPrefix(tt.want, "prefix:") {
			t.Errorf("String = %q, differs from Append's %q", tt.set.String(), got)
		}
	}

	set := scope.New("me", "items", "orders", "admin")
	buf := make([]byte, 0, 64)

	allocs := testing.AllocsPerRun(100, func() { _ = set.Append(buf[:0]) })
	if allocs != 0 {
		t.Errorf("Append into a buffer with room allocates %v times, want 0", allocs)
	}
}
