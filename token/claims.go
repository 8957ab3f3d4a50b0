package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/scopegate/scopegate/scope"
)

// Claims are the facts a token states, as issued or as verified.
type Claims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ClientID  string
	Scope     scope.Set
	IssuedAt  time.Time
	ExpiresAt time.Time

	// NotBefore is the zero time when the token has no "nbf" claim, which is
	// the case for every token an [Issuer] makes.
	NotBefore time.Time

	// ID is the token's unique "jti".
	ID string

	// Legacy is true when the token was verified with
	// [VerifierConfig.LegacyHS256Key] in the FastAPI format.
	Legacy bool
}

// issuedClaims is the JSON payload an [Issuer] signs.
type issuedClaims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	ExpiresAt int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
	ID        string `json:"jti"`
	ClientID  string `json:"client_id"`
	Scope     string `json:"scope,omitempty"`
}

// receivedClaims is the JSON payload of a token being verified, in either
// format. Scope is the RFC 9068 claim and Scopes the FastAPI one.
type receivedClaims struct {
	Issuer    string      `json:"iss"`
	Subject   string      `json:"sub"`
	Audience  audience    `json:"aud"`
	ExpiresAt numericDate `json:"exp"`
	IssuedAt  numericDate `json:"iat"`
	NotBefore numericDate `json:"nbf"`
	ID        string      `json:"jti"`
	ClientID  string      `json:"client_id"`
	Scope     string      `json:"scope"`
	Scopes    []string    `json:"scopes"`
}

// maxNumericDate is 9999-12-31T23:59:59Z. Later dates are rejected, so that
// converting them to time.Time cannot overflow.
const maxNumericDate = 253402300799

// numericDate is an RFC 7519 NumericDate claim: seconds since the Unix
// epoch. A fractional value is rounded down to the second.
type numericDate struct {
	seconds int64
	present bool
}

var errNumericDate = errors.New("date claim is not a number of seconds from 1970 to 9999")

func (d *numericDate) UnmarshalJSON(data []byte) error {
	seconds, ok := parseSeconds(data)
	if !ok || seconds < 0 || seconds > maxNumericDate {
		return errNumericDate
	}

	*d = numericDate{seconds: seconds, present: true}

	return nil
}

// parseSeconds parses a JSON number. It handles the common case, a short
// string of digits, without allocating.
func parseSeconds(data []byte) (int64, bool) {
	if len(data) > 0 && len(data) <= 12 {
		var n int64
		for _, c := range data {
			if c < '0' || c > '9' {
				return parseFloatSeconds(data)
			}

			n = n*10 + int64(c-'0')
		}

		return n, true
	}

	return parseFloatSeconds(data)
}

func parseFloatSeconds(data []byte) (int64, bool) {
	f, err := strconv.ParseFloat(string(data), 64)
	if err != nil || !(f >= 0 && f <= maxNumericDate) {
		return 0, false
	}

	return int64(math.Floor(f)), true
}

func (d numericDate) time() time.Time {
	if !d.present {
		return time.Time{}
	}

	return time.Unix(d.seconds, 0)
}

// audience is the "aud" claim, which RFC 7519 §4.1.3 allows to be one
// string or an array of strings.
type audience struct {
	values  []string
	present bool
}

var errAudience = errors.New(`"aud" claim is not a string or an array of strings`)

func (a *audience) UnmarshalJSON(data []byte) error {
	switch {
	case bytes.HasPrefix(data, []byte(`"`)):
		value, err := unquote(data)
		if err != nil {
			return errAudience
		}

		*a = audience{values: []string{value}, present: true}

	case bytes.HasPrefix(data, []byte(`[`)):
		var values []string
		if err := json.Unmarshal(data, &values); err != nil {
			return errAudience
		}

		*a = audience{values: values, present: true}

	default:
		return errAudience
	}

	return nil
}

func (a audience) contains(want string) bool {
	for _, value := range a.values {
		if value == want {
			return true
		}
	}

	return false
}

// unquote decodes a JSON string that the JSON decoder has already checked.
// It copies a string without escapes directly, which is the common case.
func unquote(data []byte) (string, error) {
	if len(data) >= 2 && bytes.IndexByte(data, '\\') < 0 && utf8.Valid(data) {
		return string(data[1 : len(data)-1]), nil
	}

	var value string
	err := json.Unmarshal(data, &value)

	return value, err
}
