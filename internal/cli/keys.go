package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
)

func runKeys(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("keys: want a subcommand: new, did-web, show or rotate-master")
	}
	switch args[0] {
	case "rotate-master":
		return runKeysRotateMaster(e, args[1:])
	case "new":
		return runKeysNew(e, args[1:])
	case "did-web":
		return runKeysDIDWeb(e, args[1:])
	case "show":
		return runKeysShow(e, args[1:])
	}
	return usagef("keys: unknown subcommand %q (want new, did-web, show or rotate-master)", args[0])
}

func runKeysNew(e *env, args []string) error {
	fs := newFlags(e, "keys new", "--type ed25519|p256|rsa --out FILE")
	typ := fs.String("type", "ed25519", "key type: ed25519, p256 or rsa")
	out := fs.String("out", "", "file to write the private key to (JWK, mode 0600); required")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("keys new: --out is required")
	}
	t := keys.Type(strings.ToLower(*typ))
	switch t {
	case keys.Ed25519, keys.P256, keys.RSA:
	default:
		return usagef("keys new: --type %q: want ed25519, p256 or rsa", *typ)
	}
	k, err := keys.Generate(t)
	if err != nil {
		return err
	}
	if err := k.SaveFile(*out); err != nil {
		return usagef("keys new: %v", err)
	}
	return printKeyIDs(e, k, *out)
}

func printKeyIDs(e *env, k *keys.PrivateKey, path string) error {
	fmt.Fprintf(e.stderr, "wrote %s private key to %s\n", k.Type(), path)
	if k.Type() == keys.RSA {
		fmt.Fprintln(e.stderr, "RSA keys have no did:key; publish the key in a did:web document (cairn keys did-web)")
		return nil
	}
	d, vm, err := did.KeyDID(k.Public())
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, d)
	fmt.Fprintf(e.stderr, "verification method: %s\n", vm)
	return nil
}

func runKeysShow(e *env, args []string) error {
	fs := newFlags(e, "keys show", "FILE")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("keys show: want one key file")
	}
	k, err := keys.LoadFile(rest[0])
	if err != nil {
		return usagef("%v", err)
	}
	jwk, err := keys.PublicJWK(k.Public())
	if err != nil {
		return err
	}
	info := map[string]any{"type": k.Type(), "publicKeyJwk": jwk}
	if k.Type() != keys.RSA {
		mk, err := keys.EncodeMultikey(k.Public())
		if err != nil {
			return err
		}
		d, vm, err := did.KeyDID(k.Public())
		if err != nil {
			return err
		}
		info["publicKeyMultibase"], info["did"], info["verificationMethod"] = mk, d, vm
	}
	return writeJSON(e, info)
}

func runKeysDIDWeb(e *env, args []string) error {
	fs := newFlags(e, "keys did-web", "--did did:web:HOST[:PATH] --key FILE[#FRAGMENT] ... [--out FILE]")
	didFlag := fs.String("did", "", "the did:web identifier, e.g. did:web:badges.example.org")
	var keyFlags multiFlag
	fs.Var(&keyFlags, "key", "key file, optionally with #fragment for its id (default key-1, key-2 …); repeatable")
	out := fs.String("out", "", "write the DID document here instead of stdout")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *didFlag == "" || len(keyFlags) == 0 {
		return usagef("keys did-web: --did and at least one --key are required")
	}
	url, err := did.WebURL(*didFlag)
	if err != nil {
		return usagef("keys did-web: --did: %v", err)
	}
	var wk []did.WebKey
	for i, kf := range keyFlags {
		path, frag, _ := strings.Cut(kf, "#")
		if frag == "" {
			frag = fmt.Sprintf("key-%d", i+1)
		}
		k, err := keys.LoadFile(path)
		if err != nil {
			return usagef("keys did-web: --key %s: %v", path, err)
		}
		wk = append(wk, did.WebKey{Fragment: frag, Public: k.Public()})
	}
	doc, err := did.NewWebDocument(*didFlag, wk)
	if err != nil {
		return usagef("keys did-web: %v", err)
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if *out == "" {
		_, err = e.stdout.Write(data)
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return usagef("keys did-web: %v", err)
	}
	fmt.Fprintf(e.stderr, "wrote %s; publish it at %s\n", *out, url)
	return nil
}

func writeJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
