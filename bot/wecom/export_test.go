package wecom

import "strings"

// TestKit exposes the callback crypto to the external tests' driver.
type TestKit struct{ k *cipherKit }

// NewTestKit builds a kit for the tests.
func NewTestKit(token, aesKey string) *TestKit {
	k, err := newCipherKit(token, aesKey)
	if err != nil {
		panic(err)
	}
	return &TestKit{k}
}

// Encrypt seals a message with the empty receive id.
func (t *TestKit) Encrypt(s string) (string, error) {
	return t.k.encrypt([]byte(s), "", strings.NewReader("0123456789abcdef"))
}

// Decrypt opens a message with the empty receive id.
func (t *TestKit) Decrypt(s string) (string, error) {
	b, err := t.k.decrypt(s, "")
	return string(b), err
}

// SetBeforeReply installs a hook that runs after a message's entry is
// committed and before its saved reply is sent: the crash test stops the
// process there.
func SetBeforeReply(a *Adapter, hook func()) { a.beforeReply = hook }
