package specdiff

import (
	"context"
	"errors"
	"fmt"
	"go/types"
	"log/slog"
	"os"
	"path"
	"path/filepath"

	"github.com/contactapis/contactapis/conformance/contract"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
)

// Options selects what Compare compares.
type Options struct {
	// Dir is any directory inside the repository.
	Dir string
	// Base is the base revision; Head the head revision, or "" for the working tree.
	Base, Head string
	// Vendors to compare.
	Vendors []string
	// SkipGoAPI leaves out the comparison of gen/<vendor>.
	SkipGoAPI bool
}

// Rules of the findings about a whole vendor.
const (
	// RuleVendorAdded: the spec exists at head only (INFO).
	RuleVendorAdded = "vendor-added"
	// RuleVendorRemoved: the spec exists at base only (ERR: its clients break).
	RuleVendorRemoved = "vendor-removed"
)

// SpecPath is where a vendor's spec lives in the repository.
func SpecPath(vendor string) string { return path.Join("specs", vendor+".yaml") }

// GenDir is where a vendor's generated package lives in the repository.
func GenDir(vendor string) string { return path.Join("gen", vendor) }

// Compare compares every vendor's spec, and its generated package, between the two revisions.
// Errors are about the input (no repository, unknown revision, a spec missing at both
// revisions or a package missing where its spec exists, a spec that does not parse): findings are never errors.
func Compare(ctx context.Context, opts Options) (*report.Report, error) {
	repo, err := OpenRepo(ctx, opts.Dir)
	if err != nil {
		return nil, err
	}
	base, err := repo.Resolve(ctx, opts.Base)
	if err != nil {
		return nil, fmt.Errorf("--base: %w", err)
	}
	var head *Rev
	headName := "working tree"
	if opts.Head != "" {
		h, err := repo.Resolve(ctx, opts.Head)
		if err != nil {
			return nil, fmt.Errorf("--head: %w", err)
		}
		head, headName = &h, h.String()
	}
	r := &report.Report{Command: "spec", Subject: fmt.Sprintf("base %s → head %s", base, headName), Vendors: opts.Vendors}
	if opts.SkipGoAPI {
		r.Subject += " (Go API not compared)"
	}
	if head != nil && head.Commit == base.Commit {
		// One commit compared with itself: a fresh clone with a single commit, where the merge
		// base is HEAD. Nothing can have changed.
		return r, nil
	}

	// Read every spec first, so that a missing one is reported before anything slow runs. A
	// vendor whose spec exists on one side only was added or removed: that is a finding (a pull
	// request adding a vendor must pass), not an input error; only a spec on neither side is.
	type pair struct{ base, head Document }
	docs := map[string]pair{}
	var compared []string
	for _, v := range opts.Vendors {
		p := SpecPath(v)
		b, baseErr := repo.Show(ctx, base, p)
		if baseErr != nil && !errors.Is(baseErr, ErrMissing) {
			return nil, baseErr
		}
		var h Document
		var headErr error
		if head != nil {
			var data []byte
			data, headErr = repo.Show(ctx, *head, p)
			h = Document{Name: revName(*head, p), Data: data}
		} else {
			var data []byte
			data, headErr = os.ReadFile(filepath.Join(repo.Root, filepath.FromSlash(p)))
			if errors.Is(headErr, os.ErrNotExist) {
				headErr = fmt.Errorf("%s %w in the working tree", p, ErrMissing)
			}
			h = Document{Name: p, Data: data}
		}
		if headErr != nil && !errors.Is(headErr, ErrMissing) {
			return nil, headErr
		}
		switch {
		case baseErr != nil && headErr != nil:
			return nil, fmt.Errorf("%w; %w", baseErr, headErr)
		case baseErr != nil:
			r.Findings = append(r.Findings, report.Finding{Vendor: v, Kind: report.KindSpec, Rule: RuleVendorAdded, Level: report.INFO, Severity: contract.Info,
				Message: fmt.Sprintf("%s is new: it does not exist at %s, so there is nothing to compare it with", p, base), Location: p})
			continue
		case headErr != nil:
			r.Findings = append(r.Findings, report.Finding{Vendor: v, Kind: report.KindSpec, Rule: RuleVendorRemoved, Level: report.ERR, Severity: contract.Breaking,
				Message: fmt.Sprintf("%s was removed (%v): every client of gen/%s breaks", p, headErr, v), Location: p})
			continue
		}
		docs[v] = pair{Document{Name: revName(base, p), Data: b}, h}
		compared = append(compared, v)
	}
	for _, v := range compared {
		fs, err := CompareSpecs(v, docs[v].base, docs[v].head)
		if err != nil {
			return nil, err
		}
		r.Findings = append(r.Findings, fs...)
	}
	if !opts.SkipGoAPI && len(compared) > 0 {
		fs, err := compareGenerated(ctx, repo, base, head, compared)
		if err != nil {
			return nil, err
		}
		r.Findings = append(r.Findings, fs...)
	}
	r.Sort()
	return r, nil
}

func revName(rev Rev, p string) string {
	c := rev.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	return c + ":" + p
}

// compareGenerated type-checks gen/<vendor> of every vendor at both revisions and diffs their
// exported APIs.
func compareGenerated(ctx context.Context, repo *Repo, base Rev, head *Rev, vendors []string) ([]report.Finding, error) {
	dirs := make([]string, len(vendors))
	for i, v := range vendors {
		dirs[i] = GenDir(v)
		if !repo.Has(ctx, base, dirs[i]) {
			return nil, fmt.Errorf("%s %w at %s", dirs[i], ErrMissing, base)
		}
		if head != nil && !repo.Has(ctx, *head, dirs[i]) {
			return nil, fmt.Errorf("%s %w at %s", dirs[i], ErrMissing, *head)
		}
	}
	load := func(rev *Rev) (map[string]*types.Package, error) {
		if rev == nil {
			return LoadPackages(ctx, repo.Root, dirs)
		}
		tmp, err := os.MkdirTemp("", "drift-"+rev.Commit[:min(12, len(rev.Commit))]+"-")
		if err != nil {
			return nil, err
		}
		defer func() {
			if err := os.RemoveAll(tmp); err != nil {
				slog.Warn("could not remove the exported revision", "dir", tmp, "err", err)
			}
		}()
		if err := repo.Export(ctx, *rev, tmp); err != nil {
			return nil, err
		}
		pkgs, err := LoadPackages(ctx, tmp, dirs)
		if err != nil {
			return nil, fmt.Errorf("at %s: %w", rev, err)
		}
		return pkgs, nil
	}
	oldPkgs, err := load(&base)
	if err != nil {
		return nil, err
	}
	newPkgs, err := load(head)
	if err != nil {
		return nil, err
	}
	var out []report.Finding
	for i, v := range vendors {
		fs, err := CompareGoAPI(v, dirs[i], oldPkgs[dirs[i]], newPkgs[dirs[i]])
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}
