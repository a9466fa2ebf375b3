package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// GetSigned fetches a platform's short-lived signed download URL (a
// DingTalk downloadUrl, a WeCom media url) with client and returns the
// response of a 200; the caller closes its body. The URL must be http(s).
// An error names the platform (what, as "wecom") and never the URL: its
// query is the signature.
func GetSigned(ctx context.Context, client *http.Client, rawURL, what string) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%s: download url is not http(s)", what)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: download: bad request", what)
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the url.Error quotes the signed URL
		}
		return nil, fmt.Errorf("%s: download: %w", what, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("%s: download: HTTP %d", what, resp.StatusCode)
	}
	return resp, nil
}
