package contract

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// stringMatcher is what surelyValid asks of a compiled pattern.
type stringMatcher interface{ MatchString(string) bool }

// compilePattern compiles a pattern as regexp.Compile does (patterns without \u escapes, see
// isSimpleScalar), as a classRun when the whole pattern is runs of character classes over the
// whole string.
func compilePattern(pattern string) stringMatcher {
	if c := compileClassRun(pattern); c != nil {
		return c
	}
	return regexp.MustCompile(pattern)
}

// classRun matches a string made of runs of characters of a class each, in order, and nothing
// else: ^[...]*$, ^[...]{m,n}$, ^[1-9][0-9]{6,14}$, or such a sequence made optional as a whole,
// ^([1-9][0-9]{6,14})?$. Every run but the last has a fixed length, so the string splits one way
// only and no backtracking is needed. Go's regexp walks such a pattern's program for every
// character; this tests an ASCII character against a bitmap and any other against the class's
// ranges, which for the specs' letters-only names and phone numbers was most of their
// validation. TestClassRunIsRegexp and FuzzClassRun hold it to regexp.
type classRun struct {
	runs     []charRun
	optional bool // the empty string matches too
}

// charRun is min to max characters of one class.
type charRun struct {
	ascii    [2]uint64 // bit c: ASCII character c is in the class
	ranges   []rune    // the class's ranges as syntax gives them: lo, hi pairs, sorted
	min, max int       // how many characters; max -1 for no bound
}

// compileClassRun is the classRun of pattern, or nil when it is not one (or does not compile).
// It reads the pattern with regexp's own parser and flags, so that what it takes is what
// regexp.Compile means by it.
func compileClassRun(pattern string) *classRun {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) < 3 ||
		re.Sub[0].Op != syntax.OpBeginText || re.Sub[len(re.Sub)-1].Op != syntax.OpEndText {
		return nil
	}
	c := &classRun{}
	seq := re.Sub[1 : len(re.Sub)-1]
	if len(seq) == 1 && seq[0].Op == syntax.OpQuest {
		// ^(...)?$: the sequence inside, optional; a single class's ? is a run of 0 or 1.
		inner := seq[0].Sub[0]
		if inner.Op == syntax.OpCapture {
			inner = inner.Sub[0]
		}
		switch inner.Op {
		case syntax.OpConcat:
			seq, c.optional = inner.Sub, true
		case syntax.OpCharClass:
			if seq[0].Sub[0].Op == syntax.OpCapture {
				seq, c.optional = []*syntax.Regexp{inner}, true
			}
		}
	}
	for i, sub := range seq {
		r, ok := charRunOf(sub)
		if !ok || i < len(seq)-1 && r.min != r.max {
			return nil
		}
		c.runs = append(c.runs, r)
	}
	return c
}

// charRunOf is the run re says: a class, or a class repeated (*, +, ?, {m,n}).
func charRunOf(re *syntax.Regexp) (charRun, bool) {
	var r charRun
	class := re
	switch re.Op {
	case syntax.OpCharClass:
		r.min, r.max = 1, 1
	case syntax.OpStar:
		r.min, r.max = 0, -1
	case syntax.OpPlus:
		r.min, r.max = 1, -1
	case syntax.OpQuest:
		r.min, r.max = 0, 1
	case syntax.OpRepeat:
		r.min, r.max = re.Min, re.Max
	default:
		return r, false
	}
	if re.Op != syntax.OpCharClass {
		if len(re.Sub) != 1 {
			return r, false
		}
		class = re.Sub[0]
	}
	if class.Op != syntax.OpCharClass {
		return r, false
	}
	r.ranges = class.Rune
	for c := rune(0); c < utf8.RuneSelf; c++ {
		if r.contains(c) {
			r.ascii[c>>6] |= 1 << (c & 63)
		}
	}
	return r, true
}

func (r *charRun) contains(c rune) bool {
	lo, hi := 0, len(r.ranges)/2
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case c < r.ranges[2*m]:
			hi = m
		case c > r.ranges[2*m+1]:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// prefix reads up to limit characters of the class from the start of s (limit -1: no bound): how
// many, and the bytes they take. As regexp reads text, a byte that is not UTF-8 is one character,
// U+FFFD.
func (r *charRun) prefix(s string, limit int) (n, end int) {
	for end < len(s) && (limit < 0 || n < limit) {
		size := 1
		if b := s[end]; b < utf8.RuneSelf {
			if r.ascii[b>>6]&(1<<(b&63)) == 0 {
				break
			}
		} else {
			var c rune
			c, size = utf8.DecodeRuneInString(s[end:])
			if !r.contains(c) {
				break
			}
		}
		end += size
		n++
	}
	return n, end
}

// MatchString reports whether s is the runs in order and nothing else (or empty, when optional).
func (c *classRun) MatchString(s string) bool {
	if c.optional && s == "" {
		return true
	}
	i, last := 0, len(c.runs)-1
	for _, r := range c.runs[:last] {
		n, end := r.prefix(s[i:], r.min) // a fixed length: min is max
		if n < r.min {
			return false
		}
		i += end
	}
	n, end := c.runs[last].prefix(s[i:], c.runs[last].max)
	return i+end == len(s) && n >= c.runs[last].min
}
