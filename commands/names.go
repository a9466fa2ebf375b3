package commands

import (
	"strings"
	"sync"
	"unicode"

	"github.com/longbridgeapp/opencc"
)

// names folds the spellings of one name to one key, for the question
// "is 买买提艾力 the 买买提·艾力 already here?": the middle dots of every
// kind and spaces go, and traditional characters become simplified ones
// (張三 → 张三), one character at a time through OpenCC's table (a name's
// characters are read one by one; the phrases of running text do not
// apply). The table is loaded on first use (about 15 ms), once per router,
// and each character's answer is kept: a unit's names fold in map lookups.
type names struct {
	once  sync.Once
	t2s   *opencc.OpenCC // nil when the table failed to load: dots and spaces still fold
	mu    sync.Mutex
	chars map[rune]string
}

// nameDots are the characters written between the parts of a name
// (买买提·艾力): the middle dot and its look-alikes, and the hyphens some
// input methods give instead.
const nameDots = "·•‧∙⋅・･．.·᛫․⸱-－‐‑—"

// fold returns the key under which spellings of one name meet.
func (n *names) fold(name string) string {
	n.once.Do(func() {
		n.chars = map[rune]string{}
		if c, err := opencc.New("t2s"); err == nil {
			n.t2s = c
		}
	})
	var b strings.Builder
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range name {
		switch {
		case unicode.IsSpace(r) || strings.ContainsRune(nameDots, r):
		case r < 0x3400 || n.t2s == nil: // no CJK ideograph
			b.WriteRune(r)
		default:
			s, ok := n.chars[r]
			if !ok {
				s = string(r)
				if c, err := n.t2s.Convert(s); err == nil && c != "" {
					s = c
				}
				n.chars[r] = s
			}
			b.WriteString(s)
		}
	}
	return b.String()
}
