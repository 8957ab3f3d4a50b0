// Package scope implements OAuth 2.0 access token scopes as RFC 6749 §3.3
// defines them: a space-delimited list of case-sensitive scope tokens whose
// order does not matter.
//
// A [Set] keeps each scope once, in the order it was first added, so the
// strings it formats are stable. A [Catalog] lists the scopes a server
// declares, each with the description shown to people who grant it.
package scope
