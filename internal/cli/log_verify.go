package cli

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn/translog"
	"github.com/cairn-badges/cairn/verify"
)

// logFlags are cairn verify's transparency log options.
type logFlags struct {
	checkpoints, keys, witnesses multiFlag
	pins                         string
}

func (f *logFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.checkpoints, "checkpoint", "a log checkpoint saved earlier (cairn log audit --update); the log must be consistent with it; FILE.vkey, if present, is trusted as its log key; repeatable")
	fs.Var(&f.keys, "log-key", "trust this log key (note verifier key, as {base}/log/key serves it) instead of fetching it; repeatable")
	fs.Var(&f.witnesses, "witness", "require a cosignature by this witness (its vkey) on the log's checkpoint; repeatable")
	fs.StringVar(&f.pins, "log-pins", "", "keep the log keys trusted on first use in FILE (\"LOG-URL VKEY\" lines), and require them from then on")
}

// apply sets the verifier's log options.
func (f *logFlags) apply(v *verify.Verifier) error {
	for _, k := range f.keys {
		kv, err := note.NewVerifier(strings.TrimSpace(k))
		if err != nil {
			return usagef("verify: --log-key %q: %v", k, err)
		}
		v.LogKeys = append(v.LogKeys, kv)
	}
	for _, file := range f.checkpoints {
		b, err := os.ReadFile(file)
		if err != nil {
			return usagef("verify: --checkpoint: %v", err)
		}
		v.LogCheckpoints = append(v.LogCheckpoints, b)
		if k, err := os.ReadFile(file + ".vkey"); err == nil {
			kv, err := note.NewVerifier(strings.TrimSpace(string(k)))
			if err != nil {
				return usagef("verify: %s.vkey: %v", file, err)
			}
			v.LogKeys = append(v.LogKeys, kv)
		}
	}
	for _, w := range f.witnesses {
		wv, err := translog.NewCosignatureVerifier(strings.TrimSpace(w))
		if err != nil {
			return usagef("verify: --witness %q: %v", w, err)
		}
		v.LogWitnesses = append(v.LogWitnesses, wv)
	}
	if f.pins != "" {
		v.LogPins = &filePins{file: f.pins}
	}
	return nil
}

// filePins keeps log keys trusted on first use in a file of "URL VKEY"
// lines.
type filePins struct {
	mu   sync.Mutex
	file string
}

func (p *filePins) read() (map[string]string, error) {
	b, err := os.ReadFile(p.file)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		u, k, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if ok {
			m[u] = strings.TrimSpace(k)
		}
	}
	return m, sc.Err()
}

// LogKey implements verify.LogKeyPins.
func (p *filePins) LogKey(logURL string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := p.read()
	return m[logURL], err
}

// PinLogKey implements verify.LogKeyPins.
func (p *filePins) PinLogKey(logURL, vkey string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, err := p.read()
	if err != nil {
		return err
	}
	if _, ok := m[logURL]; ok {
		return fmt.Errorf("a key is already pinned for %s", logURL)
	}
	f, err := os.OpenFile(p.file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(f, "%s %s\n", logURL, vkey); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
