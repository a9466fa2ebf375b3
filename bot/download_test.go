package bot_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"dangke/bot"
)

// TestGetSigned: a signed URL is read on 200; a refusal, a dead server and
// a URL that is not http(s) are errors that name the platform and never
// quote the URL (its query is the signature).
func TestGetSigned(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("sign") != "ok" {
			http.Error(w, "expired", http.StatusForbidden)
			return
		}
		_, _ = io.WriteString(w, "PNG")
	}))
	ctx := context.Background()
	resp, err := bot.GetSigned(ctx, srv.Client(), srv.URL+"/f?sign=ok", "dingtalk")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "PNG" {
		t.Fatalf("body %q", body)
	}
	_, err = bot.GetSigned(ctx, srv.Client(), srv.URL+"/f?sign=secret", "wecom")
	if err == nil || err.Error() != "wecom: download: HTTP 403" {
		t.Fatalf("refused: %v", err)
	}
	srv.Close()
	for _, u := range []string{srv.URL + "/f?sign=secret", "file:///etc/passwd?sign=secret", "::"} {
		_, err = bot.GetSigned(ctx, http.DefaultClient, u, "wecom")
		if err == nil || !strings.HasPrefix(err.Error(), "wecom: ") || strings.Contains(err.Error(), "secret") {
			t.Fatalf("%s: %v", u, err)
		}
	}
}
