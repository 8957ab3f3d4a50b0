package main

import (
	"io"
	"os"
	"testing"
)

// captureStdout returns what f prints to os.Stdout.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}

	stdout := os.Stdout
	os.Stdout = w
	t.Cleanup(func() { os.Stdout = stdout })

	f()

	os.Stdout = stdout
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}

	return string(out)
}

func TestTablePrintKeepsNotesApart(t *testing.T) {
	tbl := newTable("Scenario", "target", "req/s")
	tbl.add("ceiling", "100")
	tbl.note("first note")
	tbl.note("second note")

	got := captureStdout(t, tbl.print)

	want := "## Scenario\n\n| target | req/s |\n|---|---|\n| ceiling | 100 |\n\nfirst note\n\nsecond note\n\n"
	if got != want {
		t.Errorf("print wrote\n%q\nwant\n%q", got, want)
	}
}

func TestTablePrintWithoutNotes(t *testing.T) {
	tbl := newTable("Scenario", "target")
	tbl.add("ceiling")

	got := captureStdout(t, tbl.print)

	want := "## Scenario\n\n| target |\n|---|\n| ceiling |\n\n"
	if got != want {
		t.Errorf("print wrote\n%q\nwant\n%q", got, want)
	}
}

func TestRoundsTextSingularAndPlural(t *testing.T) {
	for n, want := range map[int]string{1: "1 round", 2: "2 rounds", 10: "10 rounds"} {
		if got := roundsText(n); got != want {
			t.Errorf("roundsText(%d) = %q, want %q", n, got, want)
		}
	}
}
