package password

// Queued returns the number of functions waiting in p's queue, so that
// tests can wait for a function to be queued instead of sleeping.
func (p *Pool) Queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()

	return len(p.queue)
}
