// Package problem writes HTTP error responses as RFC 9457 problem details:
// a JSON object of media type application/problem+json whose type, title,
// status and detail members tell a client what went wrong.
package problem

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// MediaType is the media type of a problem details body (RFC 9457 §3).
const MediaType = "application/problem+json"

// Details is one problem details object (RFC 9457 §3.1).
type Details struct {
	// Type is a URI reference that identifies the problem type. Empty means
	// "about:blank": the problem is no more than its HTTP status.
	Type string `json:"type,omitempty"`

	// Title is a short summary of the problem type. Empty means the
	// status text of Status, such as "Unauthorized".
	Title string `json:"title"`

	// Status is the HTTP status code of the response, 400 to 599.
	Status int `json:"status"`

	// Detail explains this occurrence of the problem to the client.
	Detail string `json:"detail,omitempty"`

	// Instance is a URI reference that identifies this occurrence. Empty
	// omits it.
	Instance string `json:"instance,omitempty"`
}

// Write sends d as the whole response: the status line, the headers
// Content-Type: application/problem+json and Cache-Control: no-store, and
// the JSON body. It fills an empty Type with "about:blank" and an empty
// Title with the status text. A Status outside 400 to 599 is a programming
// error, so Write sends 500 Internal Server Error with its title in its
// place instead of panicking or reporting success. Other headers already
// set on w, such as WWW-Authenticate, are sent as they are.
func Write(w http.ResponseWriter, d Details) {
	d = withDefaults(d)

	// Marshal cannot fail on Details: it has only string and int fields, and
	// it replaces invalid UTF-8 in strings with U+FFFD.
	body, _ := json.Marshal(d)
	body = append(body, '\n')

	header := w.Header()
	header.Set("Content-Type", MediaType)
	header.Set("Cache-Control", "no-store")
	header.Set("X-Content-Type-Options", "nosniff")
	header.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(d.Status)

	// An error here means the client has gone, and nothing more can be sent.
	_, _ = w.Write(body)
}

func withDefaults(d Details) Details {
	if d.Status < 400 || d.Status > 599 {
		d.Status = http.StatusInternalServerError
		d.Title = ""
	}

	if d.Type == "" {
		d.Type = "about:blank"
	}

	if d.Title == "" {
		d.Title = http.StatusText(d.Status)
	}

	return d
}
