package web_test

import (
	"net/http"
	"strconv"
	"time"
)

var client = &http.Client{Timeout: 10 * time.Second}

func httpGet(url string) (*http.Response, error) { return client.Get(url) }

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
