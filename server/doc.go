// Package server composes scopegate: the token endpoint from authserver,
// the seed application's API protected by bearer and declared through api,
// the health endpoints and the signing keys kept in the store.
//
// [New] builds a [Server] from a [Config]; [Server.Run] serves it until its
// context ends and then shuts down gracefully.
package server
