package token_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/scope"
	"github.com/scopegate/scopegate/token"
)

// accessPayload returns the valid access token claims as JSON without the
// claims named in omit, with the raw members first before them and last
// after them. The members are written as given, so they may repeat a name.
func accessPayload(t *testing.T, omit []string, first, last string) string {
	t.Helper()

	claims := accessClaims()
	for _, name := range omit {
		delete(claims, name)
	}

	payload := string(encodeJSON(t, claims))
	if first != "" {
		payload = "{" + first + "," + payload[1:]
	}

	if last != "" {
		payload = payload[:len(payload)-1] + "," + last + "}"
	}

	return payload
}

// signAccessPayload signs payload with the access token header and key.
func signAccessPayload(t testing.TB, payload string) string {
	t.Helper()

	return signRaw(encodeJSON(t, accessHeader()), []byte(payload), testKey(testKeyID, 1).Secret)
}

// claimsCase is a token to verify. Verify must reject it with wantErr, or
// accept it with wantSubject and wantScope when wantErr is nil.
type claimsCase struct {
	name        string
	raw         string
	wantErr     error
	wantSubject string
	wantScope   scope.Set
}

func (tt claimsCase) run(t *testing.T, v *token.Verifier) {
	t.Helper()

	claims, err := v.Verify(context.Background(), tt.raw)
	if tt.wantErr != nil {
		if !errors.Is(err, tt.wantErr) {
			t.Fatalf("Verify error = %v, want %v", err, tt.wantErr)
		}

		if !errors.Is(err, token.ErrInvalid) {
			t.Errorf("Verify error %v does not wrap ErrInvalid", err)
		}

		return
	}

	if err != nil {
		t.Fatalf("Verify: %v", err)
	}

	if claims.Subject != tt.wantSubject {
		t.Errorf("Subject = %q, want %q", claims.Subject, tt.wantSubject)
	}

	if !claims.Scope.Equal(tt.wantScope) {
		t.Errorf("Scope = %q, want %q", claims.Scope, tt.wantScope)
	}
}

func TestVerifyMatchesClaimNamesExactly(t *testing.T) {
	none := []string(nil)
	meItems := scope.New("me", "items")
	audience := `"` + testAudience + `"`

	tests := []claimsCase{
		{name: "Sub after sub",
			raw:         signAccessPayload(t, accessPayload(t, none, "", `"Sub":"alice"`)),
			wantSubject: "johndoe", wantScope: meItems},
		{name: "Sub before sub",
			raw:         signAccessPayload(t, accessPayload(t, none, `"Sub":"alice"`, "")),
			wantSubject: "johndoe", wantScope: meItems},
		{name: "long s in sub",
			raw:         signAccessPayload(t, accessPayload(t, none, "", `"ſub":"alice"`)),
			wantSubject: "johndoe", wantScope: meItems},
		{name: "SUB without sub",
			raw:     signAccessPayload(t, accessPayload(t, []string{"sub"}, "", `"SUB":"johndoe"`)),
			wantErr: token.ErrClaims},
		{name: "AUD ours and aud other",
			raw:     signAccessPayload(t, accessPayload(t, []string{"aud"}, `"aud":"other"`, `"AUD":`+audience)),
			wantErr: token.ErrClaims},
		{name: "Aud ours without aud",
			raw:     signAccessPayload(t, accessPayload(t, []string{"aud"}, "", `"Aud":`+audience)),
			wantErr: token.ErrClaims},
		{name: "ISS ours and iss other",
			raw: signAccessPayload(t, accessPayload(t, []string{"iss"}, `"iss":"https://evil.example.test"`,
				`"ISS":"`+testIssuer+`"`)),
			wantErr: token.ErrClaims},
		{name: "EXP without exp",
			raw:     signAccessPayload(t, accessPayload(t, []string{"exp"}, "", `"EXP":1800003600`)),
			wantErr: token.ErrClaims},
		{name: "Exp later than exp",
			raw: signAccessPayload(t, accessPayload(t, []string{"exp"}, `"exp":1799999000`,
				`"Exp":1800003600`)),
			wantErr: token.ErrExpired},
		{name: "SCOPE adds nothing",
			raw:         signAccessPayload(t, accessPayload(t, none, "", `"SCOPE":"admin"`)),
			wantSubject: "johndoe", wantScope: meItems},
		{name: "Client_ID without client_id",
			raw:     signAccessPayload(t, accessPayload(t, []string{"client_id"}, "", `"Client_ID":"x"`)),
			wantErr: token.ErrClaims},
		{name: "escaped name is the claim",
			raw:         signAccessPayload(t, accessPayload(t, []string{"sub"}, "", `"\u0073ub":"johndoe"`)),
			wantSubject: "johndoe", wantScope: meItems},
		{name: "escaped value",
			raw:         signAccessPayload(t, accessPayload(t, []string{"sub"}, "", `"sub":"jo\u0068n\/doe"`)),
			wantSubject: "john/doe", wantScope: meItems},
		{name: "sub inside another claim",
			raw: signAccessPayload(t, accessPayload(t, none, "",
				`"ext":{"sub":"alice","list":["}",{"sub":"]\"{"}],"n":-1.5e3,"t":true,"f":false,"z":null}`)),
			wantSubject: "johndoe", wantScope: meItems},
		{name: "whitespace everywhere",
			raw: signAccessPayload(t, " \t\n{ \"sub\" :\r\n\"johndoe\" , "+
				accessPayload(t, []string{"sub"}, "", "")[1:]+" \n"),
			wantSubject: "johndoe", wantScope: meItems},
	}

	v := newTestVerifier(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, v)
		})
	}
}

func TestVerifyLegacyMatchesClaimNamesExactly(t *testing.T) {
	exp := `"exp":1800000600`

	tests := []claimsCase{
		{name: "SUB", raw: signLegacy(`{"SUB":"johndoe","scopes":["me"],`+exp+`}`, legacyKey),
			wantErr: token.ErrClaims},
		{name: "Sub", raw: signLegacy(`{"Sub":"johndoe","scopes":["me"],`+exp+`}`, legacyKey),
			wantErr: token.ErrClaims},
		{name: "long s in sub", raw: signLegacy(`{"ſub":"johndoe","scopes":["me"],`+exp+`}`, legacyKey),
			wantErr: token.ErrClaims},
		{name: "EXP", raw: signLegacy(`{"sub":"johndoe","scopes":["me"],"EXP":1800000600}`, legacyKey),
			wantErr: token.ErrClaims},
		{name: "SCOPES", raw: signLegacy(`{"sub":"johndoe","SCOPES":["me","items"],`+exp+`}`, legacyKey),
			wantSubject: "johndoe", wantScope: scope.Set{}},
		{name: "Scopes before scopes",
			raw:         signLegacy(`{"sub":"johndoe","Scopes":["items"],"scopes":["me"],`+exp+`}`, legacyKey),
			wantSubject: "johndoe", wantScope: scope.New("me")},
		{name: "Sub after sub", raw: signLegacy(`{"sub":"johndoe","Sub":"alice",`+exp+`}`, legacyKey),
			wantSubject: "johndoe", wantScope: scope.Set{}},
		{name: "Sub before sub", raw: signLegacy(`{"Sub":"alice","sub":"johndoe",`+exp+`}`, legacyKey),
			wantSubject: "johndoe", wantScope: scope.Set{}},
		{name: "long s in sub after sub",
			raw:         signLegacy(`{"sub":"johndoe","ſub":"alice",`+exp+`}`, legacyKey),
			wantSubject: "johndoe", wantScope: scope.Set{}},
		{name: "escaped S in sub after sub",
			raw:         signLegacy(`{"sub":"johndoe","\u0053ub":"alice",`+exp+`}`, legacyKey),
			wantSubject: "johndoe", wantScope: scope.Set{}},
		{name: "ISS other", raw: signLegacy(`{"sub":"johndoe","ISS":"https://other.test",`+exp+`}`, legacyKey),
			wantSubject: "johndoe", wantScope: scope.Set{}},
	}

	v := newTestVerifier(t, legacyKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, v)
		})
	}
}

func TestVerifyRejectsDuplicateClaims(t *testing.T) {
	none := []string(nil)
	exp := `"exp":1800000600`
	audience := `"` + testAudience + `"`

	tests := []claimsCase{
		{name: "sub twice, other last",
			raw: signAccessPayload(t, accessPayload(t, none, "", `"sub":"alice"`))},
		{name: "sub twice, other first",
			raw: signAccessPayload(t, accessPayload(t, none, `"sub":"alice"`, ""))},
		{name: "sub twice, same value",
			raw: signAccessPayload(t, accessPayload(t, none, "", `"sub":"johndoe"`))},
		{name: "sub twice, once escaped",
			raw: signAccessPayload(t, accessPayload(t, none, "", `"\u0073ub":"alice"`))},
		{name: "aud twice, ours last",
			raw: signAccessPayload(t, accessPayload(t, []string{"aud"}, `"aud":"other"`, `"aud":`+audience))},
		{name: "aud twice, ours first",
			raw: signAccessPayload(t, accessPayload(t, []string{"aud"}, `"aud":`+audience, `"aud":"other"`))},
		{name: "exp twice",
			raw: signAccessPayload(t, accessPayload(t, none, "", `"exp":1900000000`))},
		{name: "scope twice",
			raw: signAccessPayload(t, accessPayload(t, none, "", `"scope":"admin"`))},
		{name: "private claim twice",
			raw: signAccessPayload(t, accessPayload(t, none, `"x":1`, `"x":2`))},
		{name: "legacy sub twice",
			raw: signLegacy(`{"sub":"johndoe","sub":"alice",`+exp+`}`, legacyKey)},
		{name: "legacy scopes twice",
			raw: signLegacy(`{"sub":"johndoe","scopes":["me"],"scopes":["items"],`+exp+`}`, legacyKey)},
		{name: "legacy exp twice",
			raw: signLegacy(`{"sub":"johndoe",`+exp+`,"exp":1900000000}`, legacyKey)},
	}

	v := newTestVerifier(t, legacyKey)
	for _, tt := range tests {
		tt.wantErr = token.ErrMalformed
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, v)
		})
	}
}

func TestVerifyRejectsClaimsOfWrongType(t *testing.T) {
	audience := `"` + testAudience + `"`
	exp := `"exp":1800000600`
	withClaim := func(name, value string) string {
		return signAccessPayload(t, accessPayload(t, []string{name}, "", `"`+name+`":`+value))
	}

	tests := []claimsCase{
		{name: "aud null then ours", raw: withClaim("aud", `[null,`+audience+`]`)},
		{name: "aud ours then null", raw: withClaim("aud", `[`+audience+`,null]`)},
		{name: "aud ours then number", raw: withClaim("aud", `[`+audience+`,1]`)},
		{name: "aud ours then array", raw: withClaim("aud", `[`+audience+`,[`+audience+`]]`)},
		{name: "aud ours then object", raw: withClaim("aud", `[`+audience+`,{}]`)},
		{name: "aud array of ours", raw: withClaim("aud", `[[`+audience+`]]`)},
		{name: "sub null", raw: withClaim("sub", `null`)},
		{name: "iss null", raw: withClaim("iss", `null`)},
		{name: "jti null", raw: withClaim("jti", `null`)},
		{name: "client_id null", raw: withClaim("client_id", `null`)},
		{name: "client_id number", raw: withClaim("client_id", `7`)},
		{name: "scope null", raw: withClaim("scope", `null`)},
		{name: "iat null", raw: withClaim("iat", `null`)},
		{name: "nbf null", raw: withClaim("nbf", `null`)},
		{name: "legacy sub null", raw: signLegacy(`{"sub":null,`+exp+`}`, legacyKey)},
		{name: "legacy iss null", raw: signLegacy(`{"sub":"johndoe","iss":null,`+exp+`}`, legacyKey)},
		{name: "legacy aud null", raw: signLegacy(`{"sub":"johndoe","aud":null,`+exp+`}`, legacyKey)},
		{name: "legacy aud null then ours",
			raw: signLegacy(`{"sub":"johndoe","aud":[null,`+audience+`],`+exp+`}`, legacyKey)},
		{name: "legacy scopes null", raw: signLegacy(`{"sub":"johndoe","scopes":null,`+exp+`}`, legacyKey)},
		{name: "legacy scopes null then me",
			raw: signLegacy(`{"sub":"johndoe","scopes":[null,"me"],`+exp+`}`, legacyKey)},
		{name: "legacy scopes nested list",
			raw: signLegacy(`{"sub":"johndoe","scopes":[["me"]],`+exp+`}`, legacyKey)},
		{name: "legacy scopes object", raw: signLegacy(`{"sub":"johndoe","scopes":{"me":1},`+exp+`}`, legacyKey)},
	}

	v := newTestVerifier(t, legacyKey)
	for _, tt := range tests {
		tt.wantErr = token.ErrClaims
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, v)
		})
	}
}

// FuzzVerifyClaims signs arbitrary payloads, as an access token and as a
// legacy token, and checks Verify against a plain json.Decoder walk of the
// payload. A payload that Verify accepts must be an object without
// duplicate member names whose claims, matched by exact name, are the ones
// Verify returns. A payload that Verify rejects as malformed must be one
// that the walk rejects too.
func FuzzVerifyClaims(f *testing.F) {
	f.Add(`{"sub":"johndoe","scopes":["me","items"],"exp":1800000600}`)
	f.Add(string(encodeJSON(f, accessClaims())))
	f.Add(`{"sub":"johndoe","Sub":"alice","sUB":"x","exp":1800000600}`)
	f.Add(`{"sub":"johndoe","\u0073ub":"alice","exp":1800000600}`)
	f.Add(`{"sub":"johndoe","ſub":"alice","exp":1800000600,"aud":[null,"https://api.example.test"]}`)
	f.Add(`{"sub":"jo\"h\\n","x":{"sub":"]}","y":[1,{"":"\u0022"}]},"exp":1800000600.5}`)
	f.Add(" {\"sub\" : \"johndoe\" ,\n\"exp\":1800000600 , \"\xff\":1,\"\ufffd\":2}\t")

	v := newTestVerifier(f, legacyKey)

	f.Fuzz(func(t *testing.T, payload string) {
		for _, raw := range []string{signAccessPayload(t, payload), signLegacy(payload, legacyKey)} {
			claims, err := v.Verify(context.Background(), raw)
			switch {
			case err == nil:
				checkAgainstDecoder(t, payload, claims)
			case !errors.Is(err, token.ErrInvalid):
				t.Fatalf("Verify error %v does not wrap ErrInvalid", err)
			case errors.Is(err, token.ErrMalformed):
				// The header and signature are valid, so only the payload
				// can be malformed.
				if _, decodeErr := decodeMembers(payload); decodeErr == nil {
					t.Fatalf("Verify error = %v for payload %q, which json.Decoder reads", err, payload)
				}
			}
		}
	})
}

// checkAgainstDecoder fails t unless payload, walked with json.Decoder, is
// an object without duplicate member names whose claims match claims.
func checkAgainstDecoder(t *testing.T, payload string, claims token.Claims) {
	t.Helper()

	members, err := decodeMembers(payload)
	if err != nil {
		t.Fatalf("Verify accepted payload %q, which json.Decoder rejects: %v", payload, err)
	}

	stringClaims := []struct {
		name string
		got  string
	}{
		{"sub", claims.Subject},
		{"iss", claims.Issuer},
		{"jti", claims.ID},
		{"client_id", claims.ClientID},
	}

	for _, s := range stringClaims {
		want, _ := members[s.name].(string)
		if s.got != want {
			t.Errorf("claim %s = %q, want %q from payload %q", s.name, s.got, want, payload)
		}
	}

	if aud, ok := members["aud"]; ok {
		if !audienceContains(aud, testAudience) {
			t.Errorf("Verify accepted aud %v without %q, from payload %q", aud, testAudience, payload)
		}
	}

	scopeClaim := "scope"
	if claims.Legacy {
		scopeClaim = "scopes"
	}

	if _, ok := members[scopeClaim]; !ok && !claims.Scope.IsEmpty() {
		t.Errorf("Scope = %q from payload %q without %q", claims.Scope, payload, scopeClaim)
	}
}

// audienceContains reports whether aud, decoded as any, is want or an
// array of strings only that contains want.
func audienceContains(aud any, want string) bool {
	if s, ok := aud.(string); ok {
		return s == want
	}

	values, ok := aud.([]any)
	if !ok {
		return false
	}

	found := false
	for _, value := range values {
		s, ok := value.(string)
		if !ok {
			return false
		}

		found = found || s == want
	}

	return found
}

// decodeMembers decodes a JSON object with json.Decoder, one member at a
// time, and returns an error for a member name that appears twice.
func decodeMembers(payload string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(payload))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}

	members := make(map[string]any)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}

		name := tok.(string)
		if _, ok := members[name]; ok {
			return nil, errors.New("duplicate member " + name)
		}

		var value any
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}

		members[name] = value
	}

	if _, err := dec.Token(); err != nil {
		return nil, err
	}

	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the object")
	}

	return members, nil
}
