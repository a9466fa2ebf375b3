package commands

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"dangke"
)

// A unit added beside one with nearly its name is more often a typo than a
// new unit: 孟洲市 beside 孟州市, 第一支部 or 第1党支部 beside 第一党支部. The
// bot asks before it creates it.

// cnRun matches a run of Chinese numerals inside a unit name.
var cnRun = regexp.MustCompile(`[零〇一二两三四五六七八九十百]+`)

// unitKey folds a unit name for comparison: numerals as digits, and the
// words that people leave out (党, 中共, 委员会) gone.
func unitKey(name string) string {
	s := cnRun.ReplaceAllStringFunc(name, func(m string) string {
		if n, ok := cnNumber(m); ok {
			return strconv.Itoa(n)
		}
		return m
	})
	s = fold(s)
	for _, w := range []string{"中共", "委员会", "党"} {
		s = strings.ReplaceAll(s, w, "")
	}
	return s
}

// similarUnit reports whether name looks like a slip for other: the same
// once folded, or one character apart where neither differing character is
// a digit (第一党支部 and 第二党支部 are two units).
func similarUnit(name, other string) bool {
	if name == other {
		return false
	}
	a, b := unitKey(name), unitKey(other)
	if a == b {
		return true
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) != len(rb) || distance(a, b) != 1 || len(ra) < 2 {
		return false
	}
	for i := range ra {
		if ra[i] != rb[i] && (isDigitRune(ra[i]) || isDigitRune(rb[i])) {
			return false
		}
	}
	return true
}

func isDigitRune(r rune) bool { return r >= '0' && r <= '9' }

// checkSimilarUnit asks before creating a unit named name under parent (nil:
// a reporting unit) when a sibling has nearly that name.
func checkSimilarUnit(ctx context.Context, c *Call, tx dangke.Tx, parent *dangke.Unit, name string) error {
	if yes, _ := c.Answer("相似单位"); yes {
		return nil
	}
	var root int64
	depth := 1
	if parent != nil {
		root, depth = parent.ID, parent.Depth+1
	}
	units, err := tx.Units(ctx, root)
	if err != nil {
		return err
	}
	for _, u := range units {
		if u.Depth == depth && similarUnit(name, u.Name) {
			where := "已有"
			if parent != nil {
				where = fmt.Sprintf("「%s」下已有", parent.Path)
			}
			return Ask("相似单位", fmt.Sprintf("%s「%s」，与要新增的「%s」很像，是不是写错了？确实要新增「%s」吗？", where, u.Path, name, name))
		}
	}
	return nil
}
