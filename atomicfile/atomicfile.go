// Package atomicfile writes files so that a reader sees either the old file
// or the whole new one: the content goes to a private temporary file in the
// same folder, is synced, and is then renamed into place. A failure (a full
// disk, a killed process) leaves no partial or empty file under the name.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes data to path, replacing an existing file. The file is
// created 0600 and a missing folder 0700.
func Write(path string, data []byte) error {
	return WriteWith(path, true, func(tmp *os.File) error {
		_, err := tmp.Write(data)
		return err
	})
}

// WriteWith fills a temporary file in path's folder with fill and moves it
// to path. With replace false an existing path is an error (fs.ErrExist)
// and is left as it was. fill may also write to tmp.Name() by other means
// (SQLite's VACUUM INTO); the file is synced before it is moved.
func WriteWith(path string, replace bool, fill func(tmp *os.File) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create folder %s: %w", dir, err)
	}
	if !replace {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s: %w", path, fs.ErrExist)
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	defer func() {
		if tmp != nil {
			_ = tmp.Close()
		}
		if err != nil {
			_ = os.Remove(name)
		}
	}()
	if err := fill(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		tmp = nil
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp = nil
	if replace {
		if err := os.Rename(name, path); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	} else {
		// A hard link never replaces what another process created meanwhile.
		if err := os.Link(name, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s: %w", path, fs.ErrExist)
			}
			return fmt.Errorf("write %s: %w", path, err)
		}
		_ = os.Remove(name)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable where the system allows it (not on Windows,
// where folders cannot be opened for syncing and renames are journaled).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
