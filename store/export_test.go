package store

// ReadEveryBucket has s's figures read every reporting unit's unset
// branches from its bucket, however few they are (tests of that path).
func ReadEveryBucket(s *Store) { s.p.bucketAbove = 0 }
