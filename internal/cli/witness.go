package cli

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/cairn-badges/cairn/internal/fail500"
	"github.com/cairn-badges/cairn/translog"
)

const witnessSynopsis = `--data DIR [--addr HOST:PORT] [--name NAME] [--log VKEY]...

Runs a minimal witness (https://c2sp.org/tlog-witness) for Cairn logs: POST
/add-checkpoint takes a log's new checkpoint with a consistency proof from
the last one the witness cosigned, and returns the witness's cosignature
(https://c2sp.org/tlog-cosignature). The witness key (DIR/witness.key) is
made on first run and its verifier key printed; logs are the note verifier
keys given with --log (kept in DIR/logs).`

func runWitness(e *env, args []string) error {
	fs := newFlags(e, "witness", witnessSynopsis)
	dir := fs.String("data", "", "data folder: key, logs and their last cosigned checkpoints (required)")
	addr := fs.String("addr", "127.0.0.1:7380", "listen address")
	name := fs.String("name", "", "witness name on first run, e.g. witness.example.org/w1 (default: the host name + /witness)")
	var logs multiFlag
	fs.Var(&logs, "log", "note verifier key of a log to witness (repeatable; added to DIR/logs)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 || *dir == "" {
		return usagef("witness: want --data DIR and no arguments")
	}
	w, err := openWitness(*dir, *name, logs)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return usagef("witness: %v", err)
	}
	fmt.Fprintf(e.stdout, "witness %s listening on http://%s/\nverifier key: %s\n", w.cosigner.Name(), ln.Addr(), w.vkey)
	srv := &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-e.ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// witness is the state of a running witness.
type witness struct {
	dir      string
	cosigner *translog.Cosigner
	vkey     string
	logs     map[string]note.Verifier // by origin (the log key's name)
	log      *slog.Logger

	mu sync.Mutex // serializes add-checkpoint: check, cosign, store
}

// openWitness loads or creates the witness key and the list of logs in dir.
func openWitness(dir, name string, addLogs []string) (*witness, error) {
	if err := os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o700); err != nil {
		return nil, err
	}
	keyFile := filepath.Join(dir, "witness.key")
	b, err := os.ReadFile(keyFile)
	if errors.Is(err, os.ErrNotExist) {
		if name == "" {
			h, _ := os.Hostname()
			name = h + "/witness"
		}
		priv, _, err := translog.GenerateCosignerKey(nil, name)
		if err != nil {
			return nil, usagef("witness: %v", err)
		}
		b = []byte(name + "\n" + base64.StdEncoding.EncodeToString(priv.Seed()) + "\n")
		if err := os.WriteFile(keyFile, b, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	kname, seed64, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	seed, err := base64.StdEncoding.DecodeString(seed64)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, usagef("witness: %s is not a witness key file", keyFile)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	cs, err := translog.NewCosigner(kname, priv, nil)
	if err != nil {
		return nil, usagef("witness: %v", err)
	}
	w := &witness{dir: dir, cosigner: cs, vkey: translog.CosignerVerifierKey(kname, priv.Public().(ed25519.PublicKey)),
		logs: map[string]note.Verifier{}, log: slog.Default()}

	logsFile := filepath.Join(dir, "logs")
	lb, err := os.ReadFile(logsFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	all := append(strings.Fields(string(lb)), addLogs...)
	var kept []string
	for _, vk := range all {
		v, err := note.NewVerifier(vk)
		if err != nil {
			return nil, usagef("witness: log key %q: %v", vk, err)
		}
		if _, dup := w.logs[v.Name()]; !dup {
			kept = append(kept, vk)
		}
		w.logs[v.Name()] = v
	}
	if len(addLogs) > 0 {
		if err := writeFileAtomic(logsFile, []byte(strings.Join(kept, "\n")+"\n")); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// stateFile is where the last cosigned checkpoint of origin is kept.
func (w *witness) stateFile(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return filepath.Join(w.dir, "checkpoints", hex.EncodeToString(h[:16]))
}

// ServeHTTP implements POST /add-checkpoint
// (https://c2sp.org/tlog-witness#add-checkpoint).
func (w *witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/add-checkpoint" {
		http.NotFound(rw, r)
		return
	}
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", "POST")
		http.Error(rw, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(rw, "reading the request", http.StatusBadRequest)
		return
	}
	oldSize, proof, msg, err := parseAddCheckpoint(body)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	code, out := w.addCheckpoint(oldSize, proof, msg)
	if code == http.StatusInternalServerError {
		fail500.Record(r, errors.New(strings.TrimSpace(string(out))))
	}
	if code == http.StatusOK {
		rw.Header().Set("Content-Type", "text/x.tlog.signature")
	} else if code == http.StatusConflict {
		rw.Header().Set("Content-Type", "text/x.tlog.size")
	} else {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	rw.WriteHeader(code)
	rw.Write(out)
}

// parseAddCheckpoint parses the request body: "old <size>", the proof's
// base64 hashes one a line, an empty line, then the signed checkpoint.
func parseAddCheckpoint(body []byte) (uint64, [][]byte, []byte, error) {
	head, msg, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return 0, nil, nil, errors.New("want the old size and proof, an empty line, then the checkpoint")
	}
	sc := bufio.NewScanner(bytes.NewReader(head))
	if !sc.Scan() {
		return 0, nil, nil, errors.New("no old line")
	}
	v, ok := strings.CutPrefix(sc.Text(), "old ")
	old, err := strconv.ParseUint(v, 10, 64)
	if !ok || err != nil || strconv.FormatUint(old, 10) != v {
		return 0, nil, nil, errors.New("the first line is not \"old <size>\"")
	}
	var proof [][]byte
	for sc.Scan() {
		h, err := base64.StdEncoding.DecodeString(sc.Text())
		if err != nil || len(h) != translog.HashSize {
			return 0, nil, nil, errors.New("a proof line is not a base64 hash")
		}
		proof = append(proof, h)
		if len(proof) > 63 {
			return 0, nil, nil, errors.New("the proof is too long")
		}
	}
	return old, proof, msg, nil
}

// addCheckpoint checks a log's new checkpoint against the last one the
// witness cosigned and, when it extends it, cosigns and keeps it.
func (w *witness) addCheckpoint(oldSize uint64, proof [][]byte, msg []byte) (int, []byte) {
	n, err := note.Open(msg, note.VerifierList(verifierValues(w.logs)...))
	if err != nil {
		var unk *note.UnverifiedNoteError
		var bad *note.InvalidSignatureError
		switch {
		case errors.As(err, &unk):
			return http.StatusNotFound, []byte("unknown log\n")
		case errors.As(err, &bad):
			return http.StatusForbidden, []byte("the checkpoint's signature does not verify\n")
		}
		return http.StatusBadRequest, []byte("the checkpoint is not a signed note\n")
	}
	origin := strings.SplitN(n.Text, "\n", 2)[0]
	v, ok := w.logs[origin]
	if !ok {
		return http.StatusNotFound, []byte("unknown log\n")
	}
	c, _, err := translog.OpenCheckpoint(msg, v)
	if err != nil {
		return http.StatusForbidden, []byte("the checkpoint is not signed by the log's key\n")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var last translog.Checkpoint
	prev, err := os.ReadFile(w.stateFile(origin))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		w.log.Error("witness state", "origin", origin, "err", err)
		return http.StatusInternalServerError, []byte("witness state unreadable\n")
	default:
		if last, _, err = translog.OpenCheckpoint(prev, v); err != nil {
			return http.StatusInternalServerError, []byte("witness state corrupt\n")
		}
	}
	// "If the old size does not match the size of the latest checkpoint
	// the witness has for that log, the witness MUST respond with 409."
	if oldSize != last.Size {
		return http.StatusConflict, []byte(strconv.FormatUint(last.Size, 10) + "\n")
	}
	if c.Size < last.Size {
		return http.StatusBadRequest, []byte("the checkpoint is older than the one cosigned\n")
	}
	if c.Size == last.Size {
		if !bytes.Equal(c.Hash, last.Hash) {
			return http.StatusConflict, []byte(strconv.FormatUint(last.Size, 10) + "\n")
		}
	} else if last.Size > 0 || len(proof) > 0 {
		if err := translog.VerifyConsistency(last, c, proof); err != nil {
			return http.StatusUnprocessableEntity, []byte("the consistency proof does not verify\n")
		}
	}
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.cosigner)
	if err != nil {
		return http.StatusInternalServerError, []byte("cosigning failed\n")
	}
	if err := writeFileAtomic(w.stateFile(origin), msg); err != nil {
		w.log.Error("witness state", "origin", origin, "err", err)
		return http.StatusInternalServerError, []byte("witness state unwritable\n")
	}
	_, sigs, _ := bytes.Cut(signed, []byte("\n\n"))
	return http.StatusOK, sigs
}

func verifierValues(m map[string]note.Verifier) []note.Verifier {
	out := make([]note.Verifier, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
