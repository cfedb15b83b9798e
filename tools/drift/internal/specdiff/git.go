package specdiff

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Repo is a git repository, read through the git command.
type Repo struct {
	// Root is the top-level directory of the working tree.
	Root string
}

// Rev is a resolved revision.
type Rev struct {
	// Name is what the user wrote ("origin/main", "HEAD~1").
	Name string
	// Commit is the full commit id.
	Commit string
}

// String is how reports name the revision: the short commit, and the name when it differs.
func (r Rev) String() string {
	short := r.Commit
	if len(short) > 12 {
		short = short[:12]
	}
	if r.Name == "" || strings.HasPrefix(r.Commit, r.Name) {
		return short
	}
	return short + " (" + r.Name + ")"
}

// OpenRepo finds the repository dir belongs to.
func OpenRepo(ctx context.Context, dir string) (*Repo, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("git is not installed: %w", err)
	}
	abs, _ := filepath.Abs(dir)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", abs)
	}
	out, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		slog.Debug("git rev-parse --show-toplevel", "dir", abs, "err", err)
		return nil, fmt.Errorf("%s is not in a git repository", abs)
	}
	return &Repo{Root: strings.TrimSpace(string(out))}, nil
}

// Resolve turns a revision name into a commit.
func (r *Repo) Resolve(ctx context.Context, name string) (Rev, error) {
	// A name starting with "-" would be read by git as an option.
	if name == "" || strings.HasPrefix(name, "-") {
		return Rev{}, fmt.Errorf("revision %q is not a revision name", name)
	}
	out, err := git(ctx, r.Root, "rev-parse", "--verify", "--quiet", "--end-of-options", name+"^{commit}")
	if err != nil {
		return Rev{}, fmt.Errorf("revision %q does not exist in %s", name, r.Root)
	}
	return Rev{Name: name, Commit: strings.TrimSpace(string(out))}, nil
}

// AutoBase picks the base revision for "--base auto": the merge base of HEAD and origin/main,
// when HEAD has commits of its own; otherwise (HEAD is on origin/main, as on a fresh clone of
// main, or there is no origin/main) the commit before HEAD, since comparing HEAD with itself
// always says nothing changed. why says which rule chose it, for the user.
func (r *Repo) AutoBase(ctx context.Context) (base Rev, why string, err error) {
	head, err := r.Resolve(ctx, "HEAD")
	if err != nil {
		return Rev{}, "", fmt.Errorf("--base auto: %w", err)
	}
	why = "there is no origin/main"
	if out, err := git(ctx, r.Root, "merge-base", "HEAD", "origin/main"); err == nil {
		mb := strings.TrimSpace(string(out))
		if mb != head.Commit {
			return Rev{Name: "merge-base HEAD origin/main", Commit: mb}, "the merge base of HEAD and origin/main", nil
		}
		why = "HEAD is the merge base with origin/main"
	}
	parent, err := r.Resolve(ctx, "HEAD~1")
	if err != nil {
		return Rev{}, "", fmt.Errorf("--base auto: %s and HEAD has no parent (a one-commit or shallow clone), so there is nothing to compare with: fetch more history (git fetch --deepen=1) or name a revision with --base", why)
	}
	return parent, "the commit before HEAD (" + why + ")", nil
}

// ErrMissing is returned (wrapped) for a file that does not exist at a revision.
var ErrMissing = errors.New("does not exist")

// Show returns the contents of path (slash-separated, relative to the root) at rev.
func (r *Repo) Show(ctx context.Context, rev Rev, path string) ([]byte, error) {
	if _, err := git(ctx, r.Root, "cat-file", "-e", rev.Commit+":"+path); err != nil {
		return nil, fmt.Errorf("%s %w at %s", path, ErrMissing, rev)
	}
	out, err := git(ctx, r.Root, "show", rev.Commit+":"+path)
	if err != nil {
		return nil, fmt.Errorf("git show %s:%s: %w", rev, path, err)
	}
	return out, nil
}

// Has reports whether path (a file or directory) exists at rev.
func (r *Repo) Has(ctx context.Context, rev Rev, path string) bool {
	_, err := git(ctx, r.Root, "cat-file", "-e", rev.Commit+":"+path)
	return err == nil
}

// Export writes the tree of rev into dir (which must exist), as `git archive` gives it.
func (r *Repo) Export(ctx context.Context, rev Rev, dir string) error {
	cmd := exec.CommandContext(ctx, "git", "archive", "--format=tar", rev.Commit)
	cmd.Dir = r.Root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	extractErr := untar(out, dir)
	// Drain what is left so that git does not block writing, then reap it.
	_, _ = io.Copy(io.Discard, out)
	waitErr := cmd.Wait()
	switch {
	case extractErr != nil:
		return fmt.Errorf("export %s: %w", rev, extractErr)
	case waitErr != nil:
		return fmt.Errorf("git archive %s: %v: %s", rev, waitErr, firstLine(stderr.String()))
	}
	return nil
}

// untar extracts regular files and directories. Links are skipped: the Go packages compared
// need none, and a link in an archive is the classic way out of the target directory.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.FromSlash(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("archive entry %q is outside the tree", h.Name)
		}
		target := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeXGlobalHeader:
			// git archive's commit id comment.
		default:
			slog.Debug("export: skipping archive entry", "name", h.Name, "type", string(h.Typeflag))
		}
	}
}

func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := firstLine(stderr.String()); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, err
	}
	return out, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
