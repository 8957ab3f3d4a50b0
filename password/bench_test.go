package password_test

import (
	"testing"

	"github.com/scopegate/scopegate/password"
)

// The three benchmarks below measure what a login costs for a user with an
// argon2id hash (DefaultParams), for an unknown user (VerifyDummy) and for a
// user with one of FastAPI's bcrypt hashes (cost 12). Compare the first two
// to check that an unknown user takes as long as a wrong password:
//
//	go test -run '^$' -bench 'Verify' ./password

func BenchmarkVerifyArgon2id(b *testing.B) {
	var hasher password.Hasher
	encoded, err := hasher.Hash("secret")
	if err != nil {
		b.Fatalf("Hash() error = %v", err)
	}

	b.ReportAllocs()
	for b.Loop() {
		if _, err := hasher.Verify("wrong", encoded); err != nil {
			b.Fatalf("Verify() error = %v", err)
		}
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	var hasher password.Hasher
	hasher.VerifyDummy("wrong") // computes the dummy hash outside the timed loop

	b.ReportAllocs()
	for b.Loop() {
		hasher.VerifyDummy("wrong")
	}
}

func BenchmarkVerifyBcrypt12(b *testing.B) {
	var hasher password.Hasher

	b.ReportAllocs()
	for b.Loop() {
		if _, err := hasher.Verify("wrong", johndoeHash); err != nil {
			b.Fatalf("Verify() error = %v", err)
		}
	}
}
