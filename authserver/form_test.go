package authserver

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFormBody(t *testing.T) {
	const valid = "grant_type=password&username=user1&password=pass1&scope=me"

	tests := []struct {
		name        string
		contentType string
		body        string
		wantCode    string // empty for success
		wantInDesc  string // a part of the error description
	}{
		{name: "form", contentType: "application/x-www-form-urlencoded", body: valid},
		{name: "form with charset", contentType: "application/x-www-form-urlencoded; charset=UTF-8", body: valid},
		{name: "form in capitals", contentType: "Application/X-WWW-Form-Urlencoded", body: valid},
		{name: "JSON body", contentType: "application/json",
			body:     `{"grant_type":"password","username":"user1","password":"pass1"}`,
			wantCode: CodeInvalidRequest, wantInDesc: "application/x-www-form-urlencoded"},
		{name: "text body", contentType: "text/plain", body: valid,
			wantCode: CodeInvalidRequest, wantInDesc: "application/x-www-form-urlencoded"},
		{name: "no content type", contentType: "", body: valid,
			wantCode: CodeInvalidRequest, wantInDesc: "application/x-www-form-urlencoded"},
		{name: "malformed content type", contentType: "application/x-www-form-urlencoded; =", body: valid,
			wantCode: CodeInvalidRequest, wantInDesc: "application/x-www-form-urlencoded"},
		{name: "multipart without boundary", contentType: "multipart/form-data", body: valid,
			wantCode: CodeInvalidRequest, wantInDesc: "boundary"},
		{name: "bad percent-encoding", contentType: "application/x-www-form-urlencoded",
			body: valid + "&x=%zz", wantCode: CodeInvalidRequest, wantInDesc: "well-formed"},
		{name: "semicolon separator", contentType: "application/x-www-form-urlencoded",
			body: "username=user1;password=pass1", wantCode: CodeInvalidRequest, wantInDesc: "well-formed"},
		{name: "username twice", contentType: "application/x-www-form-urlencoded",
			body: valid + "&username=user2", wantCode: CodeInvalidRequest, wantInDesc: "'username'"},
		{name: "password twice, one empty", contentType: "application/x-www-form-urlencoded",
			body: "password=&" + valid, wantCode: CodeInvalidRequest, wantInDesc: "'password'"},
		{name: "grant_type twice", contentType: "application/x-www-form-urlencoded",
			body: valid + "&grant_type=password", wantCode: CodeInvalidRequest, wantInDesc: "'grant_type'"},
		{name: "scope twice", contentType: "application/x-www-form-urlencoded",
			body: valid + "&scope=items", wantCode: CodeInvalidRequest, wantInDesc: "'scope'"},
		{name: "unknown parameter twice", contentType: "application/x-www-form-urlencoded",
			body: valid + "&extra=1&extra=2", wantCode: CodeInvalidRequest, wantInDesc: "'extra'"},
		{name: "unknown parameter ignored", contentType: "application/x-www-form-urlencoded",
			body: valid + "&extra=1"},
		{name: "value not UTF-8", contentType: "application/x-www-form-urlencoded",
			body: "grant_type=password&username=%FF&password=pass1", wantCode: CodeInvalidRequest,
			wantInDesc: "'username'"},
		{name: "name not UTF-8", contentType: "application/x-www-form-urlencoded",
			body: valid + "&%FF=1", wantCode: CodeInvalidRequest, wantInDesc: "UTF-8"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)

			req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}

			rec := f.serve(req)

			if tt.wantCode == "" {
				checkGranted(t, rec, "me")
				return
			}

			body := checkError(t, rec, http.StatusBadRequest, tt.wantCode)

			if !strings.Contains(body.ErrorDescription, tt.wantInDesc) {
				t.Errorf("description = %q, want it to contain %q", body.ErrorDescription, tt.wantInDesc)
			}

			if strings.Contains(rec.Body.String(), "pass1") {
				t.Errorf("body %s contains the password", rec.Body)
			}
		})
	}
}

func TestMultipartBody(t *testing.T) {
	tests := []struct {
		name       string
		fields     [][2]string
		file       string // the name of a file part, when set
		wantCode   string // empty for success
		wantInDesc string
	}{
		{name: "fields", fields: [][2]string{{"username", "user1"}, {"password", "pass1"}, {"scope", "me"}}},
		{name: "duplicate", fields: [][2]string{{"username", "user1"}, {"username", "user1"},
			{"password", "pass1"}}, wantCode: CodeInvalidRequest, wantInDesc: "'username'"},
		{name: "file part", fields: [][2]string{{"username", "user1"}}, file: "password",
			wantCode: CodeInvalidRequest, wantInDesc: "'password'"},
		{name: "missing password", fields: [][2]string{{"username", "user1"}},
			wantCode: CodeInvalidRequest, wantInDesc: "'password'"},
		{name: "plus is not a space", fields: [][2]string{{"username", "user1"}, {"password", "pass1"},
			{"scope", "me+items"}}, wantCode: CodeInvalidScope, wantInDesc: "'me+items'"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)

			rec := f.serve(multipartRequest(t, tt.fields, tt.file))

			if tt.wantCode == "" {
				checkGranted(t, rec, "me")
				return
			}

			body := checkError(t, rec, http.StatusBadRequest, tt.wantCode)

			if !strings.Contains(body.ErrorDescription, tt.wantInDesc) {
				t.Errorf("description = %q, want it to contain %q", body.ErrorDescription, tt.wantInDesc)
			}
		})
	}
}

func TestMalformedMultipart(t *testing.T) {
	f := newFixture(t)

	req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader("--xyz\r\nnot a header\r\n"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")

	checkError(t, f.serve(req), http.StatusBadRequest, CodeInvalidRequest)
}

func TestBodyTooLarge(t *testing.T) {
	padding := strings.Repeat("a", DefaultMaxBodyBytes)

	t.Run("form", func(t *testing.T) {
		f := newFixture(t)

		body := checkError(t, f.postForm(userForm+"&padding="+padding), http.StatusBadRequest, CodeInvalidRequest)

		if !strings.Contains(body.ErrorDescription, "larger than 65536 bytes") {
			t.Errorf("description = %q, want it to state the limit", body.ErrorDescription)
		}
	})

	t.Run("multipart", func(t *testing.T) {
		f := newFixture(t)

		req := multipartRequest(t, [][2]string{{"username", "user1"}, {"password", "pass1"},
			{"padding", padding}}, "")

		body := checkError(t, f.serve(req), http.StatusBadRequest, CodeInvalidRequest)

		if !strings.Contains(body.ErrorDescription, "larger than 65536 bytes") {
			t.Errorf("description = %q, want it to state the limit", body.ErrorDescription)
		}
	})

	t.Run("configured limit", func(t *testing.T) {
		f := newFixture(t, func(cfg *Config) { cfg.MaxBodyBytes = 32 })

		body := checkError(t, f.postForm(userForm), http.StatusBadRequest, CodeInvalidRequest)

		if !strings.Contains(body.ErrorDescription, "larger than 32 bytes") {
			t.Errorf("description = %q, want it to state the limit", body.ErrorDescription)
		}
	})
}

func TestQueryString(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		wantCode string // empty for success
	}{
		{name: "password", query: "password=pass1", wantCode: CodeInvalidRequest},
		{name: "empty password", query: "password=", wantCode: CodeInvalidRequest},
		{name: "client secret", query: "client_id=client-a&client_secret=secret-a", wantCode: CodeInvalidRequest},
		{name: "refresh token", query: "refresh_token=abc", wantCode: CodeInvalidRequest},
		{name: "malformed", query: "a=%zz", wantCode: CodeInvalidRequest},
		{name: "client id is not read", query: "client_id=client-a"},
		{name: "grant type is not read", query: "grant_type=passwordblah"},
		{name: "scope is not read", query: "scope=admin"},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)

			req := httptest.NewRequest(http.MethodPost, "/token?"+tt.query, strings.NewReader(userForm))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

			rec := f.serve(req)

			if tt.wantCode == "" {
				checkGranted(t, rec, "me")
				return
			}

			checkError(t, rec, http.StatusBadRequest, tt.wantCode)

			if strings.Contains(rec.Body.String(), "pass1") || strings.Contains(rec.Body.String(), "secret-a") {
				t.Errorf("body %s repeats a credential", rec.Body)
			}

			if got := len(f.issuer.issued()); got != 0 {
				t.Errorf("Issue called %d times, want 0", got)
			}
		})
	}
}

func FuzzTokenRequest(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", []byte(userForm), "")
	f.Add("application/x-www-form-urlencoded", []byte("username=user1&password=pass1&scope=me,items"),
		"Basic Og==")
	f.Add("application/x-www-form-urlencoded", []byte("a=%zz&b=1;c=2&&=&username=%FF"), "Basic !!!")
	f.Add("application/x-www-form-urlencoded; charset=utf-8", []byte("grant_type=&password=x&password=y"), "")
	f.Add("multipart/form-data; boundary=xyz",
		[]byte("--xyz\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nuser1\r\n"+
			"--xyz\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\npass1\r\n--xyz--\r\n"), "")
	f.Add("multipart/form-data; boundary=xyz",
		[]byte("--xyz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\nx\r\n--xyz--"),
		basic("user1", "pass1"))
	f.Add("application/json", []byte(`{"username":"user1"}`), "Bearer x")

	// One fixture serves every input, because hashing the users' passwords
	// with bcrypt for each input would slow the fuzzer down.
	fixture := newFixture(f)

	f.Fuzz(func(t *testing.T, contentType string, body []byte, authorization string) {
		req := httptest.NewRequest(http.MethodPost, "/token", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", authorization)

		rec := fixture.serve(req)

		if rec.Code >= 500 {
			t.Fatalf("status = %d for Content-Type %q and body %q: %s", rec.Code, contentType, body, rec.Body)
		}

		var response struct {
			AccessToken string `json:"access_token"`
			Error       string `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &response); err != nil {
			t.Fatalf("body %q is not JSON: %v", rec.Body, err)
		}

		if rec.Code == http.StatusOK && response.AccessToken == "" {
			t.Fatalf("status 200 without access_token: %s", rec.Body)
		}

		if rec.Code != http.StatusOK && response.Error == "" {
			t.Fatalf("status %d without error: %s", rec.Code, rec.Body)
		}
	})
}

// multipartRequest returns a POST /token with fields as multipart/form-data
// form fields, plus a file part named file when file is not empty.
func multipartRequest(t *testing.T, fields [][2]string, file string) *http.Request {
	t.Helper()

	var body bytes.Buffer
	writer := multipart.NewWriter(&body)

	for _, field := range fields {
		if err := writer.WriteField(field[0], field[1]); err != nil {
			t.Fatalf("WriteField: %v", err)
		}
	}

	if file != "" {
		part, err := writer.CreateFormFile(file, "secret.txt")
		if err != nil {
			t.Fatalf("CreateFormFile: %v", err)
		}

		if _, err := part.Write([]byte("pass1")); err != nil {
			t.Fatalf("write file part: %v", err)
		}
	}

	if err := writer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	req := httptest.NewRequest(http.MethodPost, "/token", &body)
	req.Header.Set("Content-Type", writer.FormDataContentType())

	return req
}
