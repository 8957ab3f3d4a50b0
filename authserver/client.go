package authserver

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// ErrInvalidClient is the error that a [ClientAuthenticator] wraps when the
// client is unknown or its secret is wrong. The token endpoint returns the
// same response for both, so a response does not reveal which client ids
// exist.
var ErrInvalidClient = errors.New("authserver: invalid client")

// Client is a client that has authenticated at the token endpoint.
type Client struct {
	// ID is the client_id that issued tokens carry.
	ID string
}

// ClientAuthenticator authenticates the registered clients, those other
// than the built-in public client. AuthenticateClient returns the client
// with the given id when secret is its secret, an error wrapping
// [ErrInvalidClient] when the id is unknown or the secret wrong, and
// another error when the check could not be completed. It should take the
// same time for an unknown id as for a wrong secret.
type ClientAuthenticator interface {
	AuthenticateClient(ctx context.Context, id, secret string) (Client, error)
}

// noClients is the authenticator of a server with no registered client.
type noClients struct{}

func (noClients) AuthenticateClient(context.Context, string, string) (Client, error) {
	return Client{}, ErrInvalidClient
}

// clientCredentials are the client_id and client_secret of a request, and
// where they came from.
type clientCredentials struct {
	id         string
	secret     string
	fromHeader bool
}

// clientAuthFailed is the description of every failed client
// authentication, whether the client is unknown or its secret wrong.
const clientAuthFailed = "client authentication failed"

// authenticateClient returns the client a request authenticates as. A
// request without client credentials, or with the public client's id and
// no secret, is the public client. Anything else goes to the configured
// [ClientAuthenticator].
func (s *Server) authenticateClient(ctx context.Context, header http.Header,
	params map[string]string) (Client, error) {
	creds, err := readClientCredentials(header, params)
	if err != nil {
		return Client{}, err
	}

	switch {
	case creds.id == "" && creds.secret == "":
		return Client{ID: s.publicClient}, nil
	case creds.id == "":
		// A secret that names no client authenticates nobody.
		return Client{}, invalidClient(creds.fromHeader, clientAuthFailed)
	case creds.id == s.publicClient && creds.secret == "":
		return Client{ID: s.publicClient}, nil
	case creds.id == s.publicClient:
		return Client{}, invalidClient(creds.fromHeader, clientAuthFailed)
	}

	client, err := s.clients.AuthenticateClient(ctx, creds.id, creds.secret)
	if errors.Is(err, ErrInvalidClient) {
		return Client{}, invalidClient(creds.fromHeader, clientAuthFailed)
	}

	if err != nil {
		return Client{}, fmt.Errorf("authserver: authenticate client %q: %w", creds.id, err)
	}

	return client, nil
}

// readClientCredentials reads the client credentials from the
// Authorization header or from the client_id and client_secret body
// parameters. Using both is invalid_request, because RFC 6749 §2.3 allows
// one authentication method per request.
func readClientCredentials(header http.Header, params map[string]string) (clientCredentials, error) {
	fromHeader, err := readBasicCredentials(header)
	if err != nil {
		return clientCredentials{}, err
	}

	fromBody := clientCredentials{id: params[paramClientID], secret: params[paramClientSecret]}

	headerUsed := fromHeader.id != "" || fromHeader.secret != ""
	bodyUsed := fromBody.id != "" || fromBody.secret != ""

	switch {
	case headerUsed && bodyUsed:
		return clientCredentials{}, invalidRequest(
			"client credentials were sent both in the Authorization header and in the request body")
	case headerUsed:
		return fromHeader, nil
	default:
		return fromBody, nil
	}
}

// readBasicCredentials reads HTTP Basic client credentials (RFC 7617),
// whose id and secret are each form-urlencoded before they are joined
// (RFC 6749 §2.3.1). An absent header, a Basic header with nothing after
// the scheme, and one that decodes to ":" are no credentials, because
// Swagger UI sends these for a client with no id. Any other header that
// cannot be read fails as invalid_client with a Basic challenge.
func readBasicCredentials(header http.Header) (clientCredentials, error) {
	values := header.Values("Authorization")
	if len(values) > 1 {
		return clientCredentials{}, invalidRequest("the Authorization header was sent more than once")
	}

	if len(values) == 0 || strings.TrimSpace(values[0]) == "" {
		return clientCredentials{}, nil
	}

	scheme, encoded, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return clientCredentials{}, invalidClient(true,
			"the Authorization header must use the Basic scheme at the token endpoint")
	}

	encoded = strings.TrimSpace(encoded)
	if encoded == "" {
		return clientCredentials{fromHeader: true}, nil
	}

	creds, ok := decodeBasic(encoded)
	if !ok {
		return clientCredentials{}, invalidClient(true,
			"the Authorization header does not hold valid Basic credentials")
	}

	return creds, nil
}

func decodeBasic(encoded string) (clientCredentials, bool) {
	decoded, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return clientCredentials{}, false
	}

	rawID, rawSecret, ok := strings.Cut(string(decoded), ":")
	if !ok {
		return clientCredentials{}, false
	}

	id, idErr := url.QueryUnescape(rawID)
	secret, secretErr := url.QueryUnescape(rawSecret)
	if idErr != nil || secretErr != nil || !utf8.ValidString(id) || !utf8.ValidString(secret) {
		return clientCredentials{}, false
	}

	return clientCredentials{id: id, secret: secret, fromHeader: true}, true
}
