// Package hashproc verifies and hashes passwords in a child process that
// runs at a low CPU priority, so that a flood of logins leaves the cores
// to the server's requests.
//
// A password hash such as argon2id takes tens of milliseconds of one core
// and megabytes of memory on purpose. Inside the server process, that work
// competes with request handling on equal terms: the Go scheduler preempts
// a hashing goroutine only after about 10 ms, and every hash leaves garbage
// for the collector. In a child process at nice 19 ([PriorityLow], the
// default) or in the idle scheduling class ([PriorityIdle]), the kernel
// gives the server's threads the cores first, and the hashing's garbage
// stays out of the server's heap.
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
