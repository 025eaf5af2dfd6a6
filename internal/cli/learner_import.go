package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
)

// importCredential is cairn learner import FILE|URL: it sends a badge
// image, a credential (JSON or JWT) or a URL to the learner API, which
// verifies and keeps it, and prints the result and its checks.
func (c *learnerClient) importCredential(e *env, arg string, refuseFailed bool) error {
	var body []byte
	var ctype string
	if strings.HasPrefix(arg, "https://") || strings.HasPrefix(arg, "http://") {
		body, _ = json.Marshal(map[string]string{"url": arg})
		ctype = "application/json"
	} else {
		var data []byte
		var err error
		if arg == "-" {
			data, err = io.ReadAll(io.LimitReader(e.stdin, verify.MaxInputBytes+1))
		} else {
			var f *os.File
			if f, err = os.Open(arg); err == nil {
				data, err = io.ReadAll(io.LimitReader(f, verify.MaxInputBytes+1))
				f.Close()
			}
		}
		if err != nil {
			return usagef("learner import: %v", err)
		}
		if len(data) > verify.MaxInputBytes {
			return usagef("learner import: %s is larger than %d bytes, the most a badge may have", arg, verify.MaxInputBytes)
		}
		kind, err := wallet.SniffInput(data)
		if err != nil {
			return usagef("learner import: %s: %v", arg, err)
		}
		switch kind {
		case wallet.InputPNG:
			ctype = "image/png"
		case wallet.InputSVG:
			ctype = "image/svg+xml"
		case wallet.InputJWT:
			ctype = "application/jwt"
		case wallet.InputURL:
			ctype = "text/plain"
		case wallet.InputJSON:
			// The credential as is, not {"credential": …}: its members
			// are never mistaken for the request's.
			ctype = "application/vc+ld+json"
		default:
			return usagef("learner import: %s is %s, not a credential or a badge image", filepath.Base(arg), kind)
		}
		body = data
	}
	path := "/api/v1/learner/credentials"
	if refuseFailed {
		path += "?onFailure=refuse"
	}
	req, err := http.NewRequestWithContext(e.ctx, "POST", c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("learner import: %v", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("learner import: reading the answer: %v", err)
	}
	var out struct {
		ID, Name, Format, Detail, Field string
		Issuer                          struct{ ID, Name string }
		Verification                    struct {
			Result string
			Checks []verify.Check
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return fmt.Errorf("learner import: %d %s: the answer is not JSON", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	printChecks := func() {
		for _, ch := range out.Verification.Checks {
			fmt.Fprintf(e.stdout, "  %-13s %-13s %s\n", ch.Name, ch.Outcome, ch.Reason)
		}
	}
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusOK:
	case http.StatusUnprocessableEntity:
		if out.Verification.Result != "" {
			printChecks()
		}
		fallthrough
	default:
		msg := out.Detail
		if out.Field != "" && !strings.HasPrefix(msg, out.Field) {
			msg = out.Field + ": " + msg
		}
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return fmt.Errorf("learner import: %d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), msg)
	}
	issuer := out.Issuer.Name
	if issuer == "" {
		issuer = out.Issuer.ID
	}
	verb := "imported"
	if resp.StatusCode == http.StatusOK {
		verb = "already in the wallet:"
	}
	fmt.Fprintf(e.stdout, "%s %s from %s (%s): %s, id %s\n", verb, out.Name, issuer, out.Format, out.Verification.Result, out.ID)
	printChecks()
	return nil
}
