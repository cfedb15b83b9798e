package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	short := strings.Repeat("a", MaxDetail)
	if got := Clip(short); got != short {
		t.Errorf("a text of MaxDetail bytes must stay whole, got %d bytes", len(got))
	}
	// "é" is two bytes: the cut at MaxDetail falls inside one and must move back before it.
	long := strings.Repeat("a", MaxDetail-1) + strings.Repeat("é", 10)
	got := Clip(long)
	if !utf8.ValidString(got) {
		t.Errorf("Clip cut a rune in two: %q", got[len(got)-8:])
	}
	if want := strings.Repeat("a", MaxDetail-1) + "…"; got != want {
		t.Errorf("Clip = …%q, want …%q", got[MaxDetail-4:], want[MaxDetail-4:])
	}
}
