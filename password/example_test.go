package password_test

import (
	"fmt"
	"strings"

	"github.com/scopegate/scopegate/password"
)

// Example shows a login: verify the stored hash, upgrade it when it was made
// with bcrypt or other parameters, and spend the same time on an unknown user.
func Example() {
	var hasher password.Hasher

	// johndoe's hash from FastAPI's example app, made with bcrypt.
	stored := "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW"

	ok, err := hasher.Verify("secret", stored)
	if err != nil {
		fmt.Println("reject login:", err)
		return
	}
	fmt.Println("password matches:", ok)

	if ok && hasher.NeedsRehash(stored) {
		stored, err = hasher.Hash("secret")
		if err != nil {
			fmt.Println("keep old hash:", err)
			return
		}
	}

	// Print the algorithm and parameters, not the random salt and hash.
	fmt.Println("stored:", strings.Join(strings.Split(stored, "$")[:4], "$"))
	fmt.Println("needs rehash:", hasher.NeedsRehash(stored))

	// A username that does not exist.
	hasher.VerifyDummy("guess")

	// Output:
	// password matches: true
	// stored: $argon2id$v=19$m=19456,t=2,p=1
	// needs rehash: false
}
