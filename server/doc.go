// Package server composes scopegate: the token endpoint from authserver,
// the routes of FastAPI's OAuth2 scopes tutorial protected by bearer and
// declared through api, the health endpoints, and the signing keys kept
// in the store.
//
// [New] builds a [Server] from a [Config], and [Server.Serve] serves it until its
// context ends and then shuts down gracefully.
package server
