package dangke

import "time"

// DigestRun is the newest week of weekly digests in the record: what the
// health check and `dangke status` report as the last digest run.
type DigestRun struct {
	Week                  string    // 2019-W27; "" when no digest was ever sent
	At                    time.Time // the latest outcome recorded for it
	Sent, Failed, Sending int
}
