// Package password hashes and verifies user passwords.
//
// New hashes are argon2id (RFC 9106) in the PHC string format,
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with the salt and hash in unpadded standard base64. [Hasher.Verify] also
// accepts bcrypt hashes ($2a$, $2b$ and $2y$), so users imported from a
// bcrypt-based system, such as FastAPI's example app, can still log in.
// After a successful login, [Hasher.NeedsRehash] reports whether the stored
// hash should be replaced with a fresh argon2id hash.
//
// A login handler that finds no user, or a disabled one, calls
// [Hasher.VerifyDummy] so the response takes as long as for a wrong
// password and does not reveal which usernames exist.
//
// A [Pool] runs verifications on a bounded number of workers and rejects
// work beyond its queue at once, so a flood of logins cannot take every
// CPU of a server.
//
// The parameters inside a stored hash decide how much memory and time its
// verification takes, so the parser rejects values above fixed limits (see
// [Params.Validate]) instead of trusting whatever the database holds.
package password
