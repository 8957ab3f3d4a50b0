package token

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// keySet is an immutable set of verification keys. A [Verifier] swaps the
// whole set atomically.
type keySet struct {
	// byID maps a "kid" to its key.
	byID map[string]*hs256Key

	// headers maps the encoded protected headers that an [Issuer] and PyJWT
	// write to their parsed form, so verifying such a token skips the JSON
	// decoding of its header.
	headers map[string]header
}

// legacyHeader is the protected header PyJWT 2 writes for HS256.
const legacyHeader = `{"alg":"HS256","typ":"JWT"}`

func newKeySet(keys []Key) (*keySet, error) {
	set := &keySet{
		byID:    make(map[string]*hs256Key, len(keys)),
		headers: make(map[string]header, len(keys)+1),
	}

	set.headers[base64.RawURLEncoding.EncodeToString([]byte(legacyHeader))] = header{
		alg: AlgorithmHS256, typ: "JWT", hasTyp: true,
	}

	for _, key := range keys {
		if err := key.validate(); err != nil {
			return nil, err
		}

		if _, ok := set.byID[key.ID]; ok {
			return nil, fmt.Errorf("token: key ID %q appears twice", key.ID)
		}

		set.byID[key.ID] = newHS256Key(key.Secret)

		encoded, err := encodeAccessTokenHeader(key.ID)
		if err != nil {
			return nil, err
		}

		set.headers[encoded] = header{
			alg: AlgorithmHS256, kid: key.ID, hasKid: true, typ: TypeAccessToken, hasTyp: true,
		}
	}

	return set, nil
}

// encodeAccessTokenHeader returns the protected header that an [Issuer]
// writes for kid, base64url-encoded: its members in lexical order, as
// jws.Sign writes them.
func encodeAccessTokenHeader(kid string) (string, error) {
	encoded, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{AlgorithmHS256, kid, TypeAccessToken})
	if err != nil {
		return "", fmt.Errorf("token: encode header of key %q: %w", kid, err)
	}

	return base64.RawURLEncoding.EncodeToString(encoded), nil
}

// header is the part of a JWS protected header that verification reads.
type header struct {
	alg    string
	kid    string
	hasKid bool
	typ    string
	hasTyp bool

	// critical is true when the header has "crit" or "b64" (RFC 7797),
	// extensions this package does not support.
	critical bool
}

// parseHeader decodes an encoded protected header, or looks it up among
// the headers pre-parsed for the set's keys.
func (s *keySet) parseHeader(encoded string) (header, error) {
	if hdr, ok := s.headers[encoded]; ok {
		return hdr, nil
	}

	decoded, err := base64.RawURLEncoding.Strict().DecodeString(encoded)
	if err != nil {
		return header{}, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}

	// A map keeps member names exact (a struct would match "ALG" to "alg")
	// and keeps the last of duplicate members, as RFC 7515 §4 allows.
	var members map[string]json.RawMessage
	if err := json.Unmarshal(decoded, &members); err != nil || members == nil {
		return header{}, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}

	var hdr header
	_, hdr.critical = members["crit"]
	if _, ok := members["b64"]; ok {
		hdr.critical = true
	}

	if _, err := stringMember(members, "alg", &hdr.alg); err != nil {
		return header{}, err
	}

	if hdr.hasKid, err = stringMember(members, "kid", &hdr.kid); err != nil {
		return header{}, err
	}

	if hdr.hasTyp, err = stringMember(members, "typ", &hdr.typ); err != nil {
		return header{}, err
	}

	return hdr, nil
}

// stringMember decodes the string member name of members into dst and
// reports whether it was present.
func stringMember(members map[string]json.RawMessage, name string, dst *string) (bool, error) {
	value, ok := members[name]
	if !ok {
		return false, nil
	}

	if err := json.Unmarshal(value, dst); err != nil || string(value) == "null" {
		return false, fmt.Errorf("%w: header %q is not a string", ErrMalformed, name)
	}

	return true, nil
}
