package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	Issuer    string
	Subject   string
	Audience  audience
	ExpiresAt numericDate
	IssuedAt  numericDate
	NotBefore numericDate
	ID        string
	ClientID  string
	Scope     string
	Scopes    []string
}

// UnmarshalJSON decodes a JWT claims set, which must be a JSON object.
//
// It matches member names exactly, as RFC 7519 §4 requires, after JSON
// unescaping ("\u0073ub" is "sub"). A member such as "Sub" or "ſub" is an
// unknown claim, which it skips, and is never read as "sub". The
// encoding/json struct decoder would match both to "sub", ignoring case.
//
// It rejects a payload with a member name that appears twice. RFC 7519 §4
// lets a parser either do that or keep the last duplicate, and rejecting
// means no other parser can read the claims differently.
//
// It finds the top-level members with a memberScanner, because a
// json.Decoder allocates for every token and verification runs on every
// request. It leaves the values of claims to encoding/json and to the
// claim types.
func (c *receivedClaims) UnmarshalJSON(data []byte) error {
	members := memberScanner{data: data}
	if !members.open() {
		return fmt.Errorf("%w: payload is not a JSON object", ErrMalformed)
	}

	var seen memberNames
	for {
		name, value, done, err := members.next()
		if err != nil || done {
			return err
		}

		if !seen.add(name) {
			return fmt.Errorf("%w: payload has the member %.64q twice", ErrMalformed, name)
		}

		if err := c.decodeMember(name, value); err != nil {
			return err
		}
	}
}

// decodeMember decodes value into the claim whose name is exactly name,
// and ignores a member that is no claim of either token format.
func (c *receivedClaims) decodeMember(name, value []byte) error {
	switch string(name) {
	case "iss":
		return decodeString("iss", value, &c.Issuer)
	case "sub":
		return decodeString("sub", value, &c.Subject)
	case "aud":
		return c.Audience.UnmarshalJSON(value)
	case "exp":
		return c.ExpiresAt.UnmarshalJSON(value)
	case "iat":
		return c.IssuedAt.UnmarshalJSON(value)
	case "nbf":
		return c.NotBefore.UnmarshalJSON(value)
	case "jti":
		return decodeString("jti", value, &c.ID)
	case "client_id":
		return decodeString("client_id", value, &c.ClientID)
	case "scope":
		return decodeString("scope", value, &c.Scope)
	case "scopes":
		return decodeStringArray("scopes", value, &c.Scopes)
	default:
		return nil
	}
}

// decodeString decodes a claim that must be a JSON string. Null is not a
// string, so it is rejected too.
func decodeString(name string, value []byte, dst *string) error {
	if len(value) == 0 || value[0] != '"' {
		return fmt.Errorf("%q claim is not a string", name)
	}

	decoded, err := unquote(value)
	if err != nil {
		return fmt.Errorf("%q claim: %w", name, err)
	}

	*dst = decoded

	return nil
}

// decodeStringArray decodes a claim that must be a JSON array of strings.
// It rejects null, both as the claim and as an element.
func decodeStringArray(name string, value []byte, dst *[]string) error {
	elements := memberScanner{data: value}

	values, ok := elements.stringArray()
	if !ok {
		return fmt.Errorf("%q claim is not an array of strings", name)
	}

	*dst = values

	return nil
}

// memberNames is a set of the member names of a JSON object. The names
// may share the object's data, so the set is valid only while the object
// is decoded.
type memberNames struct {
	first [16][]byte
	count int

	// more contains all names once first is full. Tokens that an Issuer or
	// PyJWT makes have fewer than 16 members.
	more map[string]struct{}
}

// add adds name to the set and reports whether it was not in it before.
func (m *memberNames) add(name []byte) bool {
	if m.more != nil {
		if _, ok := m.more[string(name)]; ok {
			return false
		}

		m.more[string(name)] = struct{}{}

		return true
	}

	for _, seen := range m.first[:m.count] {
		if bytes.Equal(seen, name) {
			return false
		}
	}

	if m.count < len(m.first) {
		m.first[m.count] = name
		m.count++

		return true
	}

	m.more = make(map[string]struct{}, 2*len(m.first))
	for _, seen := range m.first {
		m.more[string(seen)] = struct{}{}
	}

	m.more[string(name)] = struct{}{}

	return true
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
		if err := decodeStringArray("aud", data, &values); err != nil {
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

// memberScanner reads the top-level members of a JSON object one by one,
// without decoding their values, or the elements of an array of strings.
// It expects valid JSON, which encoding/json guarantees to an UnmarshalJSON
// method, and returns an error at anything else rather than guess.
type memberScanner struct {
	data  []byte
	pos   int
	count int
}

var errMemberSyntax = fmt.Errorf("%w: payload is not valid JSON", ErrMalformed)

// open reads the opening brace of the object.
func (s *memberScanner) open() bool {
	s.skipSpace()

	return s.consume('{')
}

// next returns the name and the raw JSON value of the next member, or done
// after the closing brace. The name is unescaped.
func (s *memberScanner) next() (name, value []byte, done bool, err error) {
	s.skipSpace()
	if s.consume('}') {
		s.skipSpace()
		if s.pos != len(s.data) {
			return nil, nil, false, errMemberSyntax
		}

		return nil, nil, true, nil
	}

	if s.count > 0 && !s.consume(',') {
		return nil, nil, false, errMemberSyntax
	}

	s.skipSpace()
	name, ok := s.name()
	if !ok {
		return nil, nil, false, errMemberSyntax
	}

	s.skipSpace()
	if !s.consume(':') {
		return nil, nil, false, errMemberSyntax
	}

	s.skipSpace()
	start := s.pos
	if !s.skipValue() {
		return nil, nil, false, errMemberSyntax
	}

	s.count++

	return name, s.data[start:s.pos], false, nil
}

// stringArray reads an array whose elements are all strings, and reports
// whether the data is such an array and nothing else.
func (s *memberScanner) stringArray() ([]string, bool) {
	s.skipSpace()
	if !s.consume('[') {
		return nil, false
	}

	values := []string{}
	for {
		s.skipSpace()
		if s.consume(']') {
			s.skipSpace()
			return values, s.pos == len(s.data)
		}

		if len(values) > 0 && !s.consume(',') {
			return nil, false
		}

		s.skipSpace()
		start := s.pos
		if !s.skipString() {
			return nil, false
		}

		value, err := unquote(s.data[start:s.pos])
		if err != nil {
			return nil, false
		}

		values = append(values, value)
	}
}

// name reads a member name. It returns the bytes between the quotes when
// they are the name itself, and otherwise lets encoding/json unescape it,
// which also replaces invalid UTF-8 with U+FFFD as for any other string.
func (s *memberScanner) name() ([]byte, bool) {
	start := s.pos
	if !s.skipString() {
		return nil, false
	}

	quoted := s.data[start:s.pos]
	raw := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return raw, true
	}

	var unescaped string
	if err := json.Unmarshal(quoted, &unescaped); err != nil {
		return nil, false
	}

	return []byte(unescaped), true
}

// skipValue moves past one JSON value: a string, an object or array with
// everything nested in it, or a number or literal.
func (s *memberScanner) skipValue() bool {
	if s.pos >= len(s.data) {
		return false
	}

	switch s.data[s.pos] {
	case '"':
		return s.skipString()
	case '{', '[':
		return s.skipNested()
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 't', 'f', 'n':
		for s.pos < len(s.data) && !isDelimiter(s.data[s.pos]) {
			s.pos++
		}

		return true
	default:
		return false
	}
}

// skipNested moves past an object or array, counting brackets outside of
// strings.
func (s *memberScanner) skipNested() bool {
	depth := 0
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '"':
			if !s.skipString() {
				return false
			}

			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}

		s.pos++
		if depth == 0 {
			return true
		}
	}

	return false
}

// skipString moves past a string. It skips the byte after a backslash,
// which is enough to find the closing quote, because the only longer
// escape is \uXXXX and hex digits are neither quotes nor backslashes.
func (s *memberScanner) skipString() bool {
	if !s.consume('"') {
		return false
	}

	for ; s.pos < len(s.data); s.pos++ {
		switch s.data[s.pos] {
		case '\\':
			s.pos++
		case '"':
			s.pos++
			return true
		}
	}

	return false
}

func (s *memberScanner) skipSpace() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

// consume moves past c if it is the next byte, and reports whether it was.
func (s *memberScanner) consume(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}

	return false
}

// isSpace reports whether c is JSON whitespace (RFC 8259 §2).
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// isDelimiter reports whether c ends a number or a literal.
func isDelimiter(c byte) bool {
	return isSpace(c) || c == ',' || c == '}' || c == ']'
}
