package conformance_test

import (
	"flag"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactapis/contactapis/conformance/framework"
)

var flags = framework.RegisterFlags(flag.CommandLine)

// cfg is read and validated once per ginkgo process, before any spec runs; specs reach it only
// through the framework's Vendor handles.
var cfg *framework.Config

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	var err error
	if cfg, err = flags.Load(os.Getenv); err != nil {
		t.Fatalf("conformance configuration:\n%v", err)
	}
	if cfg.UpdateCoverage {
		// Walk the tree without running it: the declared specs are all the file needs.
		PreviewSpecs("contactapis conformance")
		golden, err := framework.ReadCoverage(cfg.CoverageFile)
		if err == nil {
			err = framework.UpdateCoverage(cfg.CoverageFile, golden, cfg.Vendors)
		}
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	RunSpecs(t, "contactapis conformance")
}

var _ = SynchronizedBeforeSuite(func() {
	// Once for the whole run: a malformed tree or a stale coverage file stops everything.
	Expect(framework.ValidateTree()).To(Succeed(), "the suite's own tree is malformed")
	golden, err := framework.ReadCoverage(cfg.CoverageFile)
	Expect(err).NotTo(HaveOccurred())
	Expect(framework.CheckCoverage(golden, cfg.Vendors)).To(Succeed(), "golden coverage file")
}, func() {
	Expect(framework.Setup(cfg)).To(Succeed(), "target setup")
	DeferCleanup(framework.Teardown)
})

var _ = ReportAfterSuite("contactapis reports", func(r Report) {
	Expect(framework.Finish(r, cfg)).To(Succeed())
})
