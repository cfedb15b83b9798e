package iovox

import api "github.com/contactapis/contactapis/gen/iovox"

// KinOnly reports how many refused requests the mock could only answer from kin-openapi's error
// (see Backend.kinOnly); tests require 0.
func (b *Backend) KinOnly() int64 { return b.kinOnly.Load() }

// ApplyStale applies a plan built from one payload to a store that has changed since, as no
// handler ever does: it shows how the store's sentinel errors are answered.
func (b *Backend) ApplyStale(payload []byte, change func()) (status int, body []byte) {
	r := syntheticRequest(api.UpdateContactsParams{V: api.APIVersionV3, Method: api.MethodNameUpdateContacts})
	b.store.mu.Lock()
	p, probs := b.evaluate(r, payload, b.store)
	b.store.mu.Unlock()
	if len(probs) > 0 {
		return 0, nil
	}
	change()
	b.store.mu.Lock()
	err := b.store.apply(p)
	b.store.mu.Unlock()
	if err == nil {
		return 0, nil
	}
	return b.render.body([]problem{storeProblem(err)})
}
