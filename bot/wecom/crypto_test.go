package wecom

import (
	"strings"
	"testing"
)

const (
	vecToken = "QDG6eK"
	vecKey   = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

// Tencent's published vector (doc 90968): URL verification and a message.
func TestOfficialVector(t *testing.T) {
	k, err := newCipherKit(vecToken, vecKey)
	if err != nil {
		t.Fatal(err)
	}
	echo := "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	if err := k.verify("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", echo); err != nil {
		t.Fatal(err)
	}
	plain, err := k.decrypt(echo, "wx5823bf96d3bd56c7")
	if err != nil || string(plain) != "1616140317555161061" {
		t.Fatalf("%q %v", plain, err)
	}
	msg := "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	if err := k.verify("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", msg); err != nil {
		t.Fatal(err)
	}
	plain, err = k.decrypt(msg, "wx5823bf96d3bd56c7")
	if err != nil || !strings.Contains(string(plain), "<Content><![CDATA[hello]]></Content>") {
		t.Fatalf("%q %v", plain, err)
	}
	if _, err := k.decrypt(msg, ""); err != ErrReceiveID {
		t.Fatalf("receive id not checked: %v", err)
	}
}

// A robot-shaped vector with the empty receive id, from a fixed random prefix.
func TestRobotVector(t *testing.T) {
	k, _ := newCipherKit(vecToken, vecKey)
	plain := `{"msgid":"CAIQ1","aibotid":"AIBOTID","chatid":"wrkSFfCgAAtest","chattype":"group","from":{"userid":"zhangsan"},"response_url":"https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RESPONSECODE","msgtype":"text","text":{"content":"@DigestBot /digest today"}}`
	want := "sKqRbbiSUnDhFHOvPjtUMbkL6Msp7iqtt7oWV3jPacdSq3bo6obui+eI44aybRFbVr81ktFMnKmlmWXoA4LDOUea4+B0rwn7iB//b2tZbdkjy14FcAPp637by2iqCZKSc9mZQmQoUxjpQiACsKiZk2wBvaahvc5DNZ+IRkubJHTxn5L+XOnAa3wkblgK5+Rhkjme4BkYFpd5XRPN7Z76Cb3X0bK/aYHkscopdTNPAydP3kD1BumnQOuvsJgt22AJBV08Vjsap8UDmOCtNb7lTxVbprHnudARDmqe1N8BL7csQsRTgib9Fxb0tntk063R6YOi9w4eaopgyVl1ZhDd+mnhz2ed+GbU2uMdVbC16lBbSUGmhByhw948LGqyhZFVdBoZDXzNF2HhknHE+RoGth0kvnhJNpwST7ntogL8/nI="
	got, err := k.encrypt([]byte(plain), "", strings.NewReader("0123456789abcdef"))
	if err != nil || got != want {
		t.Fatalf("encrypt:\n%s\n%v", got, err)
	}
	if sig := k.signature("1700000000", "nonce123", want); sig != "b150bdc53a9f5d716ba14498b36ea5cf74fdeba9" {
		t.Fatalf("signature %s", sig)
	}
	back, err := k.decrypt(want, "")
	if err != nil || string(back) != plain {
		t.Fatalf("%q %v", back, err)
	}
}

func TestMalformedCiphertext(t *testing.T) {
	k, _ := newCipherKit(vecToken, vecKey)
	good, _ := k.encrypt([]byte("hello"), "", strings.NewReader("0123456789abcdef"))
	for name, c := range map[string]string{
		"not base64":     "%%%",
		"empty":          "",
		"partial block":  good[:len(good)-8] + "AAAA",
		"tampered":       "A" + good[1:],
		"one block only": good[:24],
	} {
		if _, err := k.decrypt(c, ""); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := k.verify("0000", "1", "2", good); err != ErrSignature {
		t.Errorf("bad signature: %v", err)
	}
}

func FuzzDecrypt(f *testing.F) {
	k, _ := newCipherKit(vecToken, vecKey)
	good, _ := k.encrypt([]byte("hello"), "", strings.NewReader("0123456789abcdef"))
	f.Add(good)
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, s string) { _, _ = k.decrypt(s, "") }) // never panics
}
