package framework

import (
	"context"
	"reflect"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
)

// RestoreAfter puts a record the spec is about to change back as it was, once the spec ends
// (failed or not). On a target with the admin API the mock is reset. Elsewhere (a url target
// without it, the live vendor) the record is read now; after the spec it is read again and, when
// what can be written back of it (restorable, nil for all of it) differs, writeBack is called with
// the first reading, and the record must then read as it did. what names the record in failures.
func RestoreAfter[T any](ctx context.Context, v *Vendor, what string, read func(context.Context) T, restorable func(T) any, writeBack func(context.Context, T) error) {
	if v.HasAdmin() {
		ginkgo.DeferCleanup(func(ctx ginkgo.SpecContext) {
			gomega.Expect(v.Admin().Reset(ctx)).To(gomega.Succeed(), "reset the mock")
		})
		return
	}
	if restorable == nil {
		restorable = func(t T) any { return t }
	}
	before := read(ctx)
	ginkgo.DeferCleanup(func(ctx ginkgo.SpecContext) {
		if reflect.DeepEqual(restorable(read(ctx)), restorable(before)) {
			return
		}
		gomega.Expect(writeBack(ctx, before)).To(gomega.Succeed(), "restore %s", what)
		gomega.Expect(restorable(read(ctx))).To(gomega.Equal(restorable(before)), "%s restored", what)
	})
}
