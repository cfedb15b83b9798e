package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/contactapis/contactapis/tools/drift/internal/ack"
	"github.com/contactapis/contactapis/tools/drift/internal/report"
	"github.com/contactapis/contactapis/tools/drift/internal/specdiff"
)

// defaultAckFile is the acknowledgement file, relative to the repository root.
const defaultAckFile = "tools/drift/acknowledged.yaml"

const specHelp = `usage: drift spec --base REV|auto [--head REV] [--vendor V]... [--ack FILE] [--format F]
       drift spec --base-file OLD.yaml --head-file NEW.yaml --vendor V [--ack FILE] [--format F]

Compares specs/<vendor>.yaml and the exported API of gen/<vendor> between two revisions (the head
defaults to the working tree). --base auto takes the merge base with origin/main, or the commit
before HEAD when HEAD is on origin/main, and says which. Every ERR finding fails (exit 1) unless
acknowledged: spec changes oasdiff rates ERR, removed error catalogue entries and changed
statuses or messages, and incompatible changes of exported Go identifiers. WARN (may break some
clients) and INFO are reported and do not fail.

`

func runSpec(ctx context.Context, args []string, stdout, stderr io.Writer, e env) (int, error) {
	fs := newFlagSet("spec", specHelp)
	base := fs.String("base", "", "base `revision` (required unless --base-file); auto: the merge base with origin/main, or HEAD~1 when HEAD is on it")
	head := fs.String("head", "", "head `revision` (default: the working tree)")
	var vendorList listFlag
	fs.Var(&vendorList, "vendor", "compare only this `vendor` (repeatable, or comma-separated; default: all)")
	ackFile := fs.String("ack", "", "acknowledgement `file` (default: "+defaultAckFile+" in the repository, if present)")
	format := fs.String("format", "text", "output `format`: text, json, markdown or junit")
	baseFile := fs.String("base-file", "", "compare this spec `file` as the base, outside git (with --head-file and one --vendor; no Go API comparison)")
	headFile := fs.String("head-file", "", "compare this spec `file` as the head, outside git")
	dir := fs.String("dir", ".", "a `directory` inside the repository")
	skipGoAPI := fs.Bool("skip-go-api", false, "do not compare the exported API of gen/<vendor>")
	rest, err := parse(fs, args, stdout)
	if err != nil {
		return exitUsage, err
	}
	if len(rest) > 0 {
		return exitUsage, usagef("unexpected arguments %q", rest)
	}
	if err := checkFormat(*format); err != nil {
		return exitUsage, err
	}
	vendors, err := vendorsOf(vendorList)
	if err != nil {
		return exitUsage, err
	}

	var r *report.Report
	fileMode := *baseFile != "" || *headFile != ""
	switch {
	case fileMode && (*base != "" || *head != ""):
		return exitUsage, usagef("--base-file/--head-file compare two files; leave out --base and --head")
	case fileMode && (*baseFile == "" || *headFile == ""):
		return exitUsage, usagef("--base-file and --head-file go together")
	case fileMode && len(vendorList) != 1:
		return exitUsage, usagef("--base-file/--head-file need exactly one --vendor: the vendor the spec is of")
	case fileMode:
		r, err = compareFiles(vendors[0], *baseFile, *headFile)
	case *base == "":
		return exitUsage, usagef("--base is required (a git revision, e.g. origin/main)")
	default:
		if *base == "auto" {
			if *base, err = autoBase(ctx, *dir, stderr); err != nil {
				return exitUsage, err
			}
		}
		r, err = specdiff.Compare(ctx, specdiff.Options{Dir: *dir, Base: *base, Head: *head, Vendors: vendors, SkipGoAPI: *skipGoAPI})
	}
	if err != nil {
		return exitUsage, err
	}

	acks, err := loadAcks(ctx, *ackFile, *dir)
	if err != nil {
		return exitUsage, err
	}
	acks.Apply(r, e.now(), vendors)
	return finish(stdout, *format, r)
}

// autoBase resolves --base auto and says on stderr which commit it chose and why, so that a run
// that finds nothing cannot be mistaken for one that compared something else.
func autoBase(ctx context.Context, dir string, stderr io.Writer) (string, error) {
	repo, err := specdiff.OpenRepo(ctx, dir)
	if err != nil {
		return "", err
	}
	rev, why, err := repo.AutoBase(ctx)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(stderr, "drift spec: base %s: %s\n", rev, why)
	return rev.Commit, nil
}

func compareFiles(vendor, baseFile, headFile string) (*report.Report, error) {
	read := func(p string) (specdiff.Document, error) {
		data, err := os.ReadFile(p)
		if err != nil {
			return specdiff.Document{}, fmt.Errorf("read spec: %w", err)
		}
		return specdiff.Document{Name: p, Data: data}, nil
	}
	b, err := read(baseFile)
	if err != nil {
		return nil, err
	}
	h, err := read(headFile)
	if err != nil {
		return nil, err
	}
	fs, err := specdiff.CompareSpecs(vendor, b, h)
	if err != nil {
		return nil, err
	}
	r := &report.Report{Command: "spec", Subject: fmt.Sprintf("base %s → head %s (Go API not compared)", baseFile, headFile),
		Vendors: []string{vendor}, Findings: fs}
	r.Sort()
	return r, nil
}

// loadAcks reads the acknowledgement file: the one given, which must exist, or the repository's
// default, which may not (a repository without exceptions needs no file).
func loadAcks(ctx context.Context, path, dir string) (*ack.Set, error) {
	if path != "" {
		return ack.Load(path, path, ack.Spec, nil)
	}
	repo, err := specdiff.OpenRepo(ctx, dir)
	if err != nil {
		return nil, nil // --base-file outside a repository: no default file to read
	}
	s, err := ack.Load(filepath.Join(repo.Root, filepath.FromSlash(defaultAckFile)), defaultAckFile, ack.Spec, nil)
	if errors.Is(err, ack.ErrNotFound) {
		return nil, nil
	}
	return s, err
}
