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
// off with a negative MaxEntries. Errors name flags as flagLabel does.
func (o principalCacheOptions) config(flags *pflag.FlagSet) (bearer.CacheOptions, error) {
	if o.size < 0 {
		return bearer.CacheOptions{}, fmt.Errorf("invalid %s %d: use 0 or more",
			flagLabel(flags, "principal-cache-size"), o.size)
	}

	if o.size == 0 {
		return bearer.CacheOptions{MaxEntries: -1}, nil
	}

	if o.ttl <= 0 {
		return bearer.CacheOptions{}, fmt.Errorf("invalid %s %s: use a positive duration, "+
			"or --principal-cache-size 0 to turn the cache off", flagLabel(flags, "principal-cache-ttl"), o.ttl)
	}

	return bearer.CacheOptions{MaxEntries: o.size, TTL: o.ttl}, nil
}
