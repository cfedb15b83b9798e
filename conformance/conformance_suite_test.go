package conformance_test

import (
	"encoding/json"
	"flag"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactapis/contactapis/conformance/framework"
)

var flags = framework.RegisterFlags(flag.CommandLine)

// cfg is read and validated once per ginkgo process, before any spec runs; specs reach it only
// through the framework's Vendor handles. cfgErr is why it could not be read: the run then stops
// in SynchronizedBeforeSuite, so that ginkgo's JUnit and JSON reports carry the error as a failure
// and ReportAfterSuite writes it into the coverage matrix, rather than leaving reports of 0 specs
// and 0 failures (or the last run's matrix) that read like a clean run.
var (
	cfg    *framework.Config
	cfgErr error
)

func TestConformance(t *testing.T) {
	RegisterFailHandler(framework.Fail)
	cfg, cfgErr = flags.Load(os.Getenv)
	if cfgErr == nil && cfg.UpdateCoverage {
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
	if cfgErr != nil {
		Fail("conformance configuration:\n" + cfgErr.Error())
	}
	// Once for the whole run: a malformed tree or a stale coverage file stops everything.
	if err := framework.ValidateTree(); err != nil {
		Fail("the suite's own tree is malformed:\n" + err.Error())
	}
	golden, err := framework.ReadCoverage(cfg.CoverageFile)
	if err == nil {
		err = framework.CheckCoverage(golden, cfg.Vendors)
	}
	if err != nil {
		Fail("golden coverage file:\n" + err.Error())
	}
}, func() {
	// The errors say how to fix them, one line each: gomega's rendering of the error value would
	// bury them.
	if err := framework.Setup(cfg); err != nil {
		Fail("target setup:\n" + err.Error())
	}
	DeferCleanup(framework.Teardown)
})

var _ = ReportAfterSuite("contactapis reports", func(r Report) {
	if cfgErr != nil {
		Expect(framework.FinishStopped(r, flags.ReportsDir(), flags.HAR(), "conformance configuration:\n"+cfgErr.Error())).To(Succeed())
		return
	}
	Expect(framework.Finish(r, cfg)).To(Succeed())
})

// asJSONObject is a value of a generated type as the JSON object it marshals to, keyed by its
// wire names.
func asJSONObject[T any](v T) map[string]any {
	raw, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	var m map[string]any
	Expect(json.Unmarshal(raw, &m)).To(Succeed())
	return m
}
