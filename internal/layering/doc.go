// Package layering holds a test that keeps the module's packages importing
// only in the directions the architecture allows: library packages know
// nothing of the server, and the server knows nothing of the command line.
package layering
