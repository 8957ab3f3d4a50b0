package password

import (
	"crypto/rand"
	"sync"
)

// dummyHashes maps each Params that VerifyDummy has been called with to its
// *dummyHash. Keying by Params, not storing the hash in the Hasher, keeps a
// Hasher copyable and keeps the dummy right if a Hasher's Params change.
// The map grows by one entry per distinct configuration, not per request.
var dummyHashes sync.Map

// dummyHash is an argon2id hash of a random password, computed once.
type dummyHash struct {
	once    sync.Once
	encoded string // empty if the parameters are invalid
}

// VerifyDummy runs one argon2id verification of plain against a fixed
// dummy hash made with h's parameters, and discards the result. A login
// handler calls it for an unknown or disabled user, so the response takes
// as long as for a wrong password. The dummy hash is computed once per
// distinct Params, on first use, so that first call takes twice as long.
//
// If h's parameters fail [Params.Validate], VerifyDummy returns at once;
// check them with Validate at start-up.
//
// NOTE: a user whose stored hash is bcrypt, or argon2id with other
// parameters, takes the time of that hash, not of the dummy, until
// [Hasher.NeedsRehash] has replaced it.
func (h *Hasher) VerifyDummy(plain string) {
	encoded := h.dummyHash()
	if encoded == "" {
		return
	}

	_, _ = verifyArgon2id(plain, encoded)
}

// dummyHash returns the dummy hash for h's parameters, or "" if they are
// invalid.
func (h *Hasher) dummyHash() string {
	params := h.params()

	value, _ := dummyHashes.LoadOrStore(params, new(dummyHash))
	dummy := value.(*dummyHash)

	dummy.once.Do(func() {
		// The password is random and never kept, so no login can match the
		// dummy hash, and the result of VerifyDummy is discarded anyway.
		encoded, err := hashArgon2id(rand.Text(), params)
		if err == nil {
			dummy.encoded = encoded
		}
	})

	return dummy.encoded
}
