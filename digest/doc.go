// Package digest writes the weekly progress digest of each unit and of the
// city, and sends it on schedule exactly once per chat and week.
//
// Collect reads everything a week's digests need from the store in a few
// queries; Build turns that snapshot into one chat's digest without
// touching the store again, so building ten thousand digests costs one
// pass over the lectures. The Scheduler runs on an injected clock.
package digest
