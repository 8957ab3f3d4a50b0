package token_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/scopegate/scopegate/token"
)

func TestGenerateHS256Key(t *testing.T) {
	first, err := token.GenerateHS256Key()
	if err != nil {
		t.Fatalf("GenerateHS256Key: %v", err)
	}

	second, err := token.GenerateHS256Key()
	if err != nil {
		t.Fatalf("GenerateHS256Key: %v", err)
	}

	if len(first.Secret) != 32 {
		t.Errorf("secret is %d bytes, want 32", len(first.Secret))
	}

	if first.Algorithm != token.AlgorithmHS256 {
		t.Errorf("Algorithm = %q, want %q", first.Algorithm, token.AlgorithmHS256)
	}

	if len(first.ID) < 20 {
		t.Errorf("ID = %q, want at least 20 random characters", first.ID)
	}

	if first.ID == second.ID {
		t.Errorf("two keys have the ID %q", first.ID)
	}

	if bytes.Equal(first.Secret, second.Secret) {
		t.Error("two keys have the same secret")
	}
}

func TestIsPublishedExampleKey(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		want bool
	}{
		{"published key", []byte(token.PublishedExampleKey), true},
		{"last character changed", []byte(token.PublishedExampleKey[:63] + "8"), false},
		{"prefix", []byte(token.PublishedExampleKey[:32]), false},
		{"hex-decoded bytes", mustDecodeHex(token.PublishedExampleKey), false},
		{"empty", nil, false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := token.IsPublishedExampleKey(tt.key); got != tt.want {
				t.Errorf("IsPublishedExampleKey = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestKeyFormattingHidesSecret(t *testing.T) {
	secret := []byte("SECRETSECRETSECRETSECRETSECRET!!")
	key := token.Key{ID: "k1", Algorithm: token.AlgorithmHS256, Secret: secret}

	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("key", "key", key)

	outputs := map[string]string{
		"%v":  fmt.Sprintf("%v", key),
		"%+v": fmt.Sprintf("%+v", key),
		"%s":  fmt.Sprintf("%s", key),
		"%#v": fmt.Sprintf("%#v", key),
		"log": logged.String(),
	}

	for name, output := range outputs {
		if strings.Contains(output, "SECRET") || strings.Contains(output, "83 69 67") {
			t.Errorf("%s output %q contains the secret", name, output)
		}

		if !strings.Contains(output, "k1") {
			t.Errorf("%s output %q does not name the key", name, output)
		}
	}
}

func mustDecodeHex(s string) []byte {
	data, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}

	return data
}
