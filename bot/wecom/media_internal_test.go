package wecom

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// The vectors were made with the official SDK's own decryptFile
// (@wecom/aibot-node-sdk 1.0.7, dist/index.cjs.js, run under node 20):
// key 00..1f, encrypted with AES-256-CBC, IV the key's first 16 bytes,
// PKCS#7 padding to 32 bytes, and checked to round-trip through
// decryptFile. The second has a padding of 24, which a decoder padding to
// 16 bytes (Go's usual PKCS#7) would refuse.
func TestDecryptMediaVectors(t *testing.T) {
	const aeskey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	for _, v := range []struct{ plain, cipher string }{
		{"5YWa6K++54Wn54mHIHRlc3QgdmVjdG9yOiAwMTIzNDU2Nzg5YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo=",
			"eSYDQd40tVQyqFlW1cKlz66oLtXS63uzxN1xNPs7mgR5PrxRdVGsPnCEUoUyHjNSmONE02Mx7J2HkKan9UFMTg=="},
		{"SlBFRz8gbm86IDQwIGJ5dGVzIG9mIG1lZGlhLCBwYWQgb2YgMjQuLg==",
			"pDeM+v9hMmbGe5E26amMpj7RAZFYsmgTRHxgSupC2/cazlxKMe3EajlUIcbRjNyVM17T8p8t2ZuH9g6wRSOHjQ=="},
	} {
		plain, _ := base64.StdEncoding.DecodeString(v.plain)
		enc, _ := base64.StdEncoding.DecodeString(v.cipher)
		got, err := decryptMedia(enc, aeskey)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("decrypt: %q %v, want %q", got, err, plain)
		}
		// The key without its base64 padding opens it too.
		if got, err := decryptMedia(enc, aeskey[:len(aeskey)-1]); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("unpadded key: %q %v", got, err)
		}
	}
	// A wrong key, or a cut ciphertext, is an error, never a panic.
	enc, _ := base64.StdEncoding.DecodeString("eSYDQd40tVQyqFlW1cKlz66oLtXS63uzxN1xNPs7mgR5PrxRdVGsPnCEUoUyHjNSmONE02Mx7J2HkKan9UFMTg==")
	if _, err := decryptMedia(enc, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))); err == nil {
		t.Fatal("a wrong key decrypted")
	}
	if _, err := decryptMedia(enc[:40], aeskey); err == nil {
		t.Fatal("a cut ciphertext decrypted")
	}
	if _, err := decryptMedia(enc, "not base64!"); err == nil {
		t.Fatal("a bad key decrypted")
	}
}

// Whatever WeCom (or someone in its place) serves, decryption ends in
// content or an error, never a panic.
func FuzzDecryptMedia(f *testing.F) {
	enc, _ := base64.StdEncoding.DecodeString("pDeM+v9hMmbGe5E26amMpj7RAZFYsmgTRHxgSupC2/cazlxKMe3EajlUIcbRjNyVM17T8p8t2ZuH9g6wRSOHjQ==")
	f.Add(enc, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	f.Add([]byte{}, "")
	f.Add(bytes.Repeat([]byte{1}, 33), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
	f.Fuzz(func(t *testing.T, data []byte, key string) {
		out, err := decryptMedia(data, key)
		if err == nil && len(out) >= len(data) {
			t.Fatalf("decrypted %d bytes into %d", len(data), len(out))
		}
	})
}
