package contract

import (
	"regexp"
	"regexp/syntax"
	"unicode/utf8"
)

// stringMatcher is what surelyValid asks of a compiled pattern.
type stringMatcher interface{ MatchString(string) bool }

// compilePattern compiles a pattern as regexp.Compile does (patterns without \u escapes, see
// isSimpleScalar), as a classRun when the whole pattern is one character class repeated over the
// whole string.
func compilePattern(pattern string) stringMatcher {
	if c := compileClassRun(pattern); c != nil {
		return c
	}
	return regexp.MustCompile(pattern)
}

// classRun matches a string made of a number of characters of one class and nothing else:
// ^[...]*$, ^[...]+$, ^[...]?$ or ^[...]{m,n}$. Go's regexp walks such a pattern's program for
// every character; this tests an ASCII character against a bitmap and any other against the
// class's ranges, which for the specs' letters-only names was most of their validation.
// TestClassRunIsRegexp and FuzzClassRun hold it to regexp.
type classRun struct {
	ascii    [2]uint64 // bit c: ASCII character c is in the class
	ranges   []rune    // the class's ranges as syntax gives them: lo, hi pairs, sorted
	min, max int       // how many characters; max -1 for no bound
}

// compileClassRun is the classRun of pattern, or nil when it is not one (or does not compile).
// It reads the pattern with regexp's own parser and flags, so that what it takes is what
// regexp.Compile means by it.
func compileClassRun(pattern string) *classRun {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) != 3 ||
		re.Sub[0].Op != syntax.OpBeginText || re.Sub[2].Op != syntax.OpEndText {
		return nil
	}
	run := re.Sub[1]
	c := &classRun{}
	switch run.Op {
	case syntax.OpStar:
		c.min, c.max = 0, -1
	case syntax.OpPlus:
		c.min, c.max = 1, -1
	case syntax.OpQuest:
		c.min, c.max = 0, 1
	case syntax.OpRepeat:
		c.min, c.max = run.Min, run.Max
	default:
		return nil
	}
	if len(run.Sub) != 1 || run.Sub[0].Op != syntax.OpCharClass {
		return nil
	}
	c.ranges = run.Sub[0].Rune
	for r := rune(0); r < utf8.RuneSelf; r++ {
		if c.contains(r) {
			c.ascii[r>>6] |= 1 << (r & 63)
		}
	}
	return c
}

func (c *classRun) contains(r rune) bool {
	lo, hi := 0, len(c.ranges)/2
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case r < c.ranges[2*m]:
			hi = m
		case r > c.ranges[2*m+1]:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// MatchString reports whether s is min to max characters of the class. As regexp reads text, a
// byte that is not UTF-8 is one character, U+FFFD.
func (c *classRun) MatchString(s string) bool {
	n := 0
	for i := 0; i < len(s); n++ {
		if c.max >= 0 && n >= c.max {
			return false
		}
		if b := s[i]; b < utf8.RuneSelf {
			if c.ascii[b>>6]&(1<<(b&63)) == 0 {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !c.contains(r) {
			return false
		}
		i += size
	}
	return n >= c.min
}
