package problem_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/scopegate/scopegate/internal/problem"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		details problem.Details
		want    problem.Details
	}{
		{
			name:    "defaults type and title",
			details: problem.Details{Status: http.StatusUnauthorized, Detail: "No access token"},
			want: problem.Details{
				Type: "about:blank", Title: "Unauthorized", Status: 401, Detail: "No access token",
			},
		},
		{
			name: "keeps given members",
			details: problem.Details{
				Type:     "https://scopegate.example/problems/out-of-items",
				Title:    "Out of items",
				Status:   http.StatusConflict,
				Detail:   "The list holds 100 items, the maximum",
				Instance: "/users/me/items/",
			},
			want: problem.Details{
				Type:     "https://scopegate.example/problems/out-of-items",
				Title:    "Out of items",
				Status:   409,
				Detail:   "The list holds 100 items, the maximum",
				Instance: "/users/me/items/",
			},
		},
		{
			name:    "zero status becomes 500",
			details: problem.Details{Title: "Custom", Detail: "forgot the status"},
			want: problem.Details{
				Type: "about:blank", Title: "Internal Server Error", Status: 500, Detail: "forgot the status",
			},
		},
		{
			name:    "success status becomes 500",
			details: problem.Details{Status: http.StatusOK},
			want:    problem.Details{Type: "about:blank", Title: "Internal Server Error", Status: 500},
		},
		{
			name:    "invalid UTF-8 replaced",
			details: problem.Details{Status: http.StatusBadRequest, Detail: "bad byte \xff"},
			want: problem.Details{
				Type: "about:blank", Title: "Bad Request", Status: 400, Detail: "bad byte \uFFFD",
			},
		},
		{
			name:    "status above 599 becomes 500",
			details: problem.Details{Status: 1000},
			want:    problem.Details{Type: "about:blank", Title: "Internal Server Error", Status: 500},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			problem.Write(rec, tt.details)

			if rec.Code != tt.want.Status {
				t.Errorf("status code = %d, want %d", rec.Code, tt.want.Status)
			}

			var got problem.Details
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("decode body %q: %v", rec.Body.String(), err)
			}

			if got != tt.want {
				t.Errorf("body = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestWriteHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	rec.Header().Set("WWW-Authenticate", `Bearer realm="scopegate"`)
	problem.Write(rec, problem.Details{Status: http.StatusUnauthorized})

	want := map[string]string{
		"Content-Type":           "application/problem+json",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		"Content-Length":         strconv.Itoa(rec.Body.Len()),
		"WWW-Authenticate":       `Bearer realm="scopegate"`,
	}
	for name, value := range want {
		if got := rec.Header().Get(name); got != value {
			t.Errorf("%s = %q, want %q", name, got, value)
		}
	}
}

func TestWriteMemberNames(t *testing.T) {
	rec := httptest.NewRecorder()
	problem.Write(rec, problem.Details{Status: http.StatusForbidden})

	var members map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &members); err != nil {
		t.Fatalf("decode body %q: %v", rec.Body.String(), err)
	}

	want := map[string]any{"type": "about:blank", "title": "Forbidden", "status": float64(403)}
	if len(members) != len(want) {
		t.Errorf("members = %v, want exactly %v", members, want)
	}

	for name, value := range want {
		if members[name] != value {
			t.Errorf("member %q = %v, want %v", name, members[name], value)
		}
	}
}

func TestWriteHeadRequest(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		problem.Write(w, problem.Details{Status: http.StatusNotFound, Detail: "No such item"})
	})
	server := httptest.NewServer(handler)
	defer server.Close()

	resp, err := server.Client().Head(server.URL)
	if err != nil {
		t.Fatalf("HEAD: %v", err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status code = %d, want %d", resp.StatusCode, http.StatusNotFound)
	}

	if got := resp.Header.Get("Content-Type"); got != problem.MediaType {
		t.Errorf("Content-Type = %q, want %q", got, problem.MediaType)
	}
}
