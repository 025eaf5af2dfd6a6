//go:build !unix

package app

// LockDataDir does nothing on systems without flock: cairn restore cannot
// tell whether a server is running there.
func LockDataDir(dir string, exclusive bool) (release func(), err error) {
	return func() {}, nil
}
