package authserver

import (
	"encoding/json"
	"log/slog"
	"net/http"
)

// GrantTypePassword is the grant_type value of the resource owner password
// credentials grant (RFC 6749 §4.3.2).
const GrantTypePassword = "password"

// TokenTypeBearer is the token_type of every issued token. It is lowercase,
// as FastAPI sends it. RFC 6749 §5.1 makes the value case-insensitive.
const TokenTypeBearer = "bearer"

// Names of the token request parameters.
const (
	paramGrantType    = "grant_type"
	paramUsername     = "username"
	paramPassword     = "password"
	paramScope        = "scope"
	paramClientID     = "client_id"
	paramClientSecret = "client_secret"
	paramRefreshToken = "refresh_token"
)

// PasswordGrantForm is the body of a password grant token request
// (RFC 6749 §4.3.2), sent as application/x-www-form-urlencoded or
// multipart/form-data. The json tags name the parameters for the OpenAPI
// schema; required parameters have no omitempty.
type PasswordGrantForm struct {
	// GrantType is "password". Omitted or empty, it is read as "password".
	GrantType string `json:"grant_type,omitempty" enum:"password"`

	// Username is the user's name. Required.
	Username string `json:"username"`

	// Password is the user's password. Required.
	Password string `json:"password" format:"password"`

	// Scope is the space-separated list of requested scopes. Omitted or
	// empty, the server's default scopes are requested.
	Scope string `json:"scope,omitempty"`

	// ClientID identifies the client when it does not use HTTP Basic.
	// Omitted, the request is made by the built-in public client.
	ClientID string `json:"client_id,omitempty"`

	// ClientSecret is the client's secret when it does not use HTTP Basic.
	// The public client has none.
	ClientSecret string `json:"client_secret,omitempty" format:"password"`
}

// LogValue leaves the password and the client secret out of logs.
func (f PasswordGrantForm) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String(paramGrantType, f.GrantType),
		slog.String(paramUsername, f.Username),
		slog.String(paramScope, f.Scope),
		slog.String(paramClientID, f.ClientID),
	)
}

func passwordGrantForm(params map[string]string) PasswordGrantForm {
	return PasswordGrantForm{
		GrantType:    params[paramGrantType],
		Username:     params[paramUsername],
		Password:     params[paramPassword],
		Scope:        params[paramScope],
		ClientID:     params[paramClientID],
		ClientSecret: params[paramClientSecret],
	}
}

// TokenResponse is the body of a successful token response
// (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken string `json:"access_token"`

	// TokenType is always [TokenTypeBearer].
	TokenType string `json:"token_type"`

	// ExpiresIn is the access token's lifetime in seconds.
	ExpiresIn int64 `json:"expires_in"`

	// Scope lists the granted scopes, space-separated. It is left out when
	// no scope was requested and none granted: RFC 6749 §3.3 gives the
	// parameter at least one scope token.
	Scope string `json:"scope,omitempty"`

	// RefreshToken is sent only when a refresh token is issued.
	RefreshToken string `json:"refresh_token,omitempty"`
}

// LogValue leaves the tokens out of logs.
func (r TokenResponse) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token_type", r.TokenType),
		slog.Int64("expires_in", r.ExpiresIn),
		slog.String(paramScope, r.Scope),
	)
}

// ErrorResponse is the body of an error response (RFC 6749 §5.2).
type ErrorResponse struct {
	// Error is one of the Code constants, such as [CodeInvalidGrant].
	Error string `json:"error"`

	// ErrorDescription is a message for the client's developer.
	ErrorDescription string `json:"error_description,omitempty"`
}

// writeJSON sends body as JSON with the headers that RFC 6749 §5.1
// requires of a token response and that §5.2 responses get too, so no
// cache keeps either.
func writeJSON(w http.ResponseWriter, status int, body any) {
	encoded, err := json.Marshal(body)
	if err != nil {
		// Unreachable: the response types hold only strings and integers.
		status = http.StatusInternalServerError
		encoded = []byte(`{"error":"server_error"}`)
	}

	header := w.Header()
	header.Set("Content-Type", "application/json")
	header.Set("Cache-Control", "no-store")
	header.Set("Pragma", "no-cache")

	w.WriteHeader(status)
	_, _ = w.Write(append(encoded, '\n'))
}
