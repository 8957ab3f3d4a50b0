package main

import (
	"fmt"
	"strings"
	"time"
)

// table is a Markdown table printed to standard output.
type table struct {
	title   string
	columns []string
	rows    [][]string
	notes   []string
}

func newTable(title string, columns ...string) *table {
	return &table{title: title, columns: columns}
}

func (t *table) add(cells ...string) {
	t.rows = append(t.rows, cells)
}

func (t *table) note(text string) {
	t.notes = append(t.notes, text)
}

func (t *table) print() {
	fmt.Printf("## %s\n\n", t.title)
	fmt.Printf("| %s |\n", strings.Join(t.columns, " | "))
	fmt.Printf("|%s\n", strings.Repeat("---|", len(t.columns)))

	for _, row := range t.rows {
		fmt.Printf("| %s |\n", strings.Join(row, " | "))
	}

	fmt.Println()

	// A blank line after each note keeps it a paragraph of its own in
	// Markdown, which would join consecutive lines into one.
	for _, note := range t.notes {
		fmt.Printf("%s\n\n", note)
	}
}

// ms formats d in milliseconds with three significant decimals for short
// times.
func ms(d time.Duration) string {
	millis := float64(d) / float64(time.Millisecond)

	switch {
	case d == 0:
		return "0"
	case millis < 1:
		return fmt.Sprintf("%.3f ms", millis)
	case millis < 100:
		return fmt.Sprintf("%.2f ms", millis)
	default:
		return fmt.Sprintf("%.0f ms", millis)
	}
}

func perSecond(rate float64) string {
	if rate < 100 {
		return fmt.Sprintf("%.1f", rate)
	}

	return fmt.Sprintf("%.0f", rate)
}

func ratio(value, base float64) string {
	if base == 0 {
		return "n/a"
	}

	return fmt.Sprintf("%.2f", value/base)
}

func megabytes(bytes int64) string {
	return fmt.Sprintf("%.1f MB", float64(bytes)/(1<<20))
}

// roundsText returns "1 round" or "N rounds".
func roundsText(n int) string {
	if n == 1 {
		return "1 round"
	}

	return fmt.Sprintf("%d rounds", n)
}
