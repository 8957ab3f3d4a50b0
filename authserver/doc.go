// Package authserver is scopegate's OAuth 2.0 authorization server. It
// serves the token endpoint, POST /token, which issues access tokens for
// the resource owner password credentials grant (RFC 6749 §4.3).
//
// # Token endpoint
//
// The endpoint accepts only POST with an application/x-www-form-urlencoded
// or multipart/form-data body, as FastAPI's OAuth2PasswordRequestForm does.
// It never reads parameters from the URL query, and it rejects a request
// whose query carries a password, client secret or refresh token, because
// credentials must not travel in the request URI (RFC 6749 §2.3.1, §3.2).
// A parameter sent twice is rejected, and a parameter sent without a value
// counts as omitted (RFC 6749 §3.2).
//
// An omitted or empty grant_type is read as "password", so clients written
// against FastAPI, which made grant_type optional, keep working. Any other
// value that is not a supported grant gets unsupported_grant_type before
// any credential is checked. Each grant is one function registered by its
// grant_type value, so more grants are added without touching the rest.
//
// The scopes granted are the requested ones that the user holds: a
// requested scope the user may not hold is dropped, and the response's
// scope member lists what was granted. A requested scope outside the scope
// catalog is rejected with invalid_scope.
//
// # Client authentication
//
// Clients authenticate with HTTP Basic or with client_id and client_secret
// in the body, never both (RFC 6749 §2.3.1). A request that names no client
// is served as the built-in public client ([DefaultPublicClientID]), which
// has no secret. Swagger UI sends an empty Basic header for that client,
// which counts as no credentials. Every other client goes to a
// [ClientAuthenticator]. Its failures are invalid_client: 401 with a Basic
// challenge when the credentials came in the Authorization header, 400
// when they came in the body.
//
// # Errors
//
// Every error is an RFC 6749 §5.2 JSON body with error and
// error_description, built as an [RFC6749Error]. Failures that are not the
// client's fault go to [Config.ErrorHook] and reach the client only as
// server_error (500) or, when the database is unreachable,
// temporarily_unavailable (503 with Retry-After). A login that
// [Config.Hashing] rejects as busy also gets temporarily_unavailable, at
// once and without a call of the hook, because shedding load is not a
// failure. The package never logs, and no response or hook error contains
// a password.
package authserver
