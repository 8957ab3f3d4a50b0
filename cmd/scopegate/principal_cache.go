package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/scopegate/scopegate/bearer"
)

// principalCacheOptions are the flags of the cache of users that the
// bearer check loads for each token.
type principalCacheOptions struct {
	size int
	ttl  time.Duration
}

func addPrincipalCacheFlags(flags *pflag.FlagSet, opts *principalCacheOptions) {
	flags.IntVar(&opts.size, "principal-cache-size", bearer.DefaultCacheEntries,
		"users kept in memory for the bearer token check; 0 turns the cache off")
	flags.DurationVar(&opts.ttl, "principal-cache-ttl", bearer.DefaultCacheTTL,
		"longest time a cached user is used, and so the longest delay before a change to the user, "+
			"such as disabling it, takes effect when no PostgreSQL change notification arrives")
}

// config returns the server's cache configuration, which turns the cache
// off with a negative MaxEntries.
func (o principalCacheOptions) config() (bearer.CacheOptions, error) {
	if o.size < 0 {
		return bearer.CacheOptions{}, fmt.Errorf("invalid --principal-cache-size %d: use 0 or more", o.size)
	}

	if o.size == 0 {
		return bearer.CacheOptions{MaxEntries: -1}, nil
	}

	if o.ttl <= 0 {
		return bearer.CacheOptions{}, fmt.Errorf("invalid --principal-cache-ttl %s: use a positive duration, "+
			"or --principal-cache-size 0 to turn the cache off", o.ttl)
	}

	return bearer.CacheOptions{MaxEntries: o.size, TTL: o.ttl}, nil
}
