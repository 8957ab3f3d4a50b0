// Package hashproc verifies and hashes passwords in a child process that
// runs at the lowest CPU priority, so that a flood of logins uses the
// cores only while nothing else needs them.
//
// A password hash such as argon2id takes tens of milliseconds of one core
// and megabytes of memory on purpose. Inside the server process, that work
// competes with request handling on equal terms: the Go scheduler preempts
// a hashing goroutine only after about 10 ms, and every hash leaves garbage
// for the collector. In a child process of the idle scheduling class
// (SCHED_IDLE on Linux), the kernel runs the hashing only on cores that
// would otherwise be idle, and the server's heap never sees it.
//
// The child is the same executable, started with arguments that make it
// call [Serve]. The parent holds a [Client], which implements the password
// methods of authserver.PasswordHasher. When the child cannot be started
// or fails, the Client does the work in its own process with its
// [password.Hasher], so a login never fails because of the child, and it
// starts a new child at the next call after a pause.
//
// The child's environment holds GOMAXPROCS and nothing of the parent's, so
// a database URL or key in the parent's environment does not reach it.
package hashproc
