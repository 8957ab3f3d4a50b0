package authserver

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"unicode/utf8"
)

// Media types of the request bodies the token endpoint reads.
const (
	mediaTypeForm      = "application/x-www-form-urlencoded"
	mediaTypeMultipart = "multipart/form-data"
)

// credentialParams are the parameters that carry secrets, so they must
// never travel in the request URI, where proxies and logs keep them
// (RFC 6749 §2.3.1, §3.2).
var credentialParams = []string{paramPassword, paramClientSecret, paramRefreshToken}

// checkQuery rejects a URL query that carries a credential. The token
// endpoint reads no parameter from the query, but a credential sent there
// has already leaked, so the request fails rather than succeed and teach
// the client a bad habit. A query that cannot be parsed might hide a
// credential, so it is rejected too.
func checkQuery(rawQuery string) error {
	if rawQuery == "" {
		return nil
	}

	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return invalidRequest("the URL query string is malformed")
	}

	for _, name := range credentialParams {
		if query.Has(name) {
			return invalidRequest(fmt.Sprintf(
				"parameter '%s' must be sent in the request body, never in the URL query", name))
		}
	}

	return nil
}

// readForm reads the request body as a form and returns each parameter sent
// with a non-empty value, because a parameter without a value counts as
// omitted (RFC 6749 §3.2). A parameter sent more than once, a value that is
// not UTF-8, a body over the size limit, and a body that is not
// form-encoded are invalid_request.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	mediaType, mediaParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, notFormEncoded()
	}

	body := http.MaxBytesReader(w, r.Body, s.maxBodyBytes)

	var values url.Values
	switch mediaType {
	case mediaTypeForm:
		values, err = readURLEncoded(body)
	case mediaTypeMultipart:
		values, err = readMultipart(body, mediaParams["boundary"])
	default:
		return nil, notFormEncoded()
	}

	if err != nil {
		return nil, bodyError(err, s.maxBodyBytes)
	}

	return singleValues(values)
}

func notFormEncoded() *RFC6749Error {
	return invalidRequest("the request body must be " + mediaTypeForm + " or " + mediaTypeMultipart)
}

// bodyError turns a failure to read the body into invalid_request. The
// description never repeats the parse error, because that could quote
// part of a password.
func bodyError(err error, maxBodyBytes int64) error {
	var oauthErr *RFC6749Error
	if errors.As(err, &oauthErr) {
		return oauthErr
	}

	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return invalidRequest(fmt.Sprintf("the request body is larger than %d bytes", maxBodyBytes))
	}

	return invalidRequest("the request body is not a well-formed form")
}

func readURLEncoded(body io.Reader) (url.Values, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}

	return url.ParseQuery(string(raw))
}

// readMultipart reads every part of a multipart/form-data body as a form
// field. A file part is rejected, because no token parameter is a file.
func readMultipart(body io.Reader, boundary string) (url.Values, error) {
	if boundary == "" {
		return nil, invalidRequest("the " + mediaTypeMultipart + " Content-Type has no boundary parameter")
	}

	reader := multipart.NewReader(body, boundary)
	values := url.Values{}

	for {
		part, err := reader.NextPart()
		if errors.Is(err, io.EOF) {
			return values, nil
		}

		if err != nil {
			return nil, err
		}

		name, value, err := readPart(part)
		if err != nil {
			return nil, err
		}

		values.Add(name, value)
	}
}

func readPart(part *multipart.Part) (name, value string, err error) {
	defer part.Close()

	name = part.FormName()
	if name == "" {
		return "", "", invalidRequest("a multipart part has no form-data name")
	}

	if part.FileName() != "" {
		return "", "", invalidRequest(
			fmt.Sprintf("parameter '%s' must be a form field, not a file", truncate(name)))
	}

	raw, err := io.ReadAll(part)
	if err != nil {
		return "", "", err
	}

	return name, string(raw), nil
}

// singleValues checks that no parameter is repeated (RFC 6749 §3.2) and
// that every name and value is UTF-8, and returns the non-empty values.
// Names are checked in sorted order, so the error for a form with several
// faults is stable.
func singleValues(values url.Values) (map[string]string, error) {
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}

	slices.Sort(names)

	params := make(map[string]string, len(values))
	for _, name := range names {
		if err := checkParam(name, values[name]); err != nil {
			return nil, err
		}

		if value := values[name][0]; value != "" {
			params[name] = value
		}
	}

	return params, nil
}

func checkParam(name string, values []string) error {
	if len(values) > 1 {
		return invalidRequest(fmt.Sprintf("parameter '%s' was sent more than once", truncate(name)))
	}

	if !utf8.ValidString(name) {
		return invalidRequest("a parameter name is not valid UTF-8")
	}

	if !utf8.ValidString(values[0]) {
		return invalidRequest(fmt.Sprintf("the value of parameter '%s' is not valid UTF-8", truncate(name)))
	}

	return nil
}
