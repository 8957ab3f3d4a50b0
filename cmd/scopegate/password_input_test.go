package main

import (
	"strings"
	"testing"
)

func TestReadPasswordFromLengthLimit(t *testing.T) {
	longest := strings.Repeat("p", maxPasswordBytes)

	tests := []struct {
		name    string
		input   string
		want    string
		wantErr string
	}{
		{"longest with LF", longest + "\n", longest, ""},
		{"longest with CRLF", longest + "\r\n", longest, ""},
		{"longest without a line break", longest, longest, ""},
		{"one byte over", longest + "p\n", "", "longer than 4096 bytes"},
		{"far over", strings.Repeat("p", 100000), "", "longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readPasswordFrom(strings.NewReader(tt.input))

			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
				}

				return
			}

			if err != nil || got != tt.want {
				t.Errorf("readPasswordFrom = %d bytes, %v; want %d bytes", len(got), err, len(tt.want))
			}
		})
	}
}
