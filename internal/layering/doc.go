// Package layering contains a test that fails when a package of the module
// imports against the architecture. Library packages import nothing of the
// server, and the server imports nothing of the command line.
package layering
