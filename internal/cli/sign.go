package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/ob"
	"github.com/cairn-badges/cairn/proof"
)

// maxInput caps files read by the CLI.
const maxInput = 10 << 20

func runSign(e *env, args []string) error {
	fs := newFlags(e, "sign", "--key FILE [--format di|jwt] [--vm ID] CREDENTIAL.json|-")
	keyFile := fs.String("key", "", "private key file (from cairn keys new); required")
	format := fs.String("format", "di", "di (Data Integrity eddsa-rdfc-2022, Ed25519 keys) or jwt (VC-JWT: EdDSA, ES256 or RS256)")
	vm := fs.String("vm", "", "verification method id (default: the key's did:key; required for RSA)")
	setIssuer := fs.Bool("set-issuer", false, "set the credential's issuer id to the verification method's controller")
	created := fs.String("created", "", "proof creation time, RFC 3339 (default now)")
	noSchema := fs.Bool("no-schema", false, "sign even if the credential fails the strict OB 3.0 JSON Schema")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("sign: want one credential file (or - for stdin)")
	}
	if *keyFile == "" {
		return usagef("sign: --key is required")
	}
	k, err := keys.LoadFile(*keyFile)
	if err != nil {
		return usagef("sign: --key: %v", err)
	}
	data, err := readInput(e, rest[0])
	if err != nil {
		return err
	}
	var cred map[string]any
	if err := decodeJSONObject(data, &cred); err != nil {
		return usagef("sign: %s: %v", rest[0], err)
	}
	method := *vm
	if method == "" {
		if k.Type() == keys.RSA {
			return usagef("sign: --vm is required for RSA keys (they have no did:key)")
		}
		if _, method, err = did.KeyDID(k.Public()); err != nil {
			return err
		}
	}
	if *setIssuer {
		controller, _, _ := strings.Cut(method, "#")
		switch iss := cred["issuer"].(type) {
		case map[string]any:
			iss["id"] = controller
		default:
			cred["issuer"] = controller
		}
	}
	when := time.Now().UTC()
	if *created != "" {
		if when, err = time.Parse(time.RFC3339, *created); err != nil {
			return usagef("sign: --created %q: want RFC 3339, e.g. 2026-01-02T15:04:05Z", *created)
		}
	}
	if !*noSchema {
		if err := ob.ValidateIssued(cred); err != nil {
			return usagef("sign: %s fails the strict schema (use --no-schema to sign anyway): %v", rest[0], err)
		}
	}
	switch *format {
	case "di":
		signed, err := proof.SignDI(e.ctx, cred, k, method, when)
		if err != nil {
			return usagef("sign: %v", err)
		}
		return writeJSON(e, signed)
	case "jwt":
		tok, err := proof.SignJWT(cred, k, method)
		if err != nil {
			return usagef("sign: %v", err)
		}
		_, err = fmt.Fprintln(e.stdout, tok)
		return err
	}
	return usagef("sign: --format %q: want di or jwt", *format)
}

// readInput reads a file, or stdin for "-", with the CLI's size cap.
func readInput(e *env, name string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		r = e.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, usagef("%v", unwrapPathError(err))
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, usagef("reading %s: %v", name, err)
	}
	if len(data) > maxInput {
		return nil, usagef("%s: more than %d bytes", name, maxInput)
	}
	return data, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

// decodeJSONObject decodes a JSON object with errors that give a position.
func decodeJSONObject(data []byte, v *map[string]any) error {
	if err := ob.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), v); err != nil {
		return err
	}
	if *v == nil {
		return fmt.Errorf("expected a JSON object, got null")
	}
	return nil
}
