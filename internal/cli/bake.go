package cli

import (
	"bytes"
	"fmt"
	"os"

	"github.com/cairn-badges/cairn/bake"
)

func runBake(e *env, args []string) error {
	fs := newFlags(e, "bake", "--credential FILE --image IMAGE --out FILE")
	credFile := fs.String("credential", "", "signed credential: JSON or JWT; required")
	imageFile := fs.String("image", "", "badge image: PNG or SVG; required")
	out := fs.String("out", "", "where to write the baked image; required")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *credFile == "" || *imageFile == "" || *out == "" {
		return usagef("bake: --credential, --image and --out are required")
	}
	cred, err := readInput(e, *credFile)
	if err != nil {
		return err
	}
	cred = bytes.TrimSpace(cred)
	if len(cred) == 0 {
		return usagef("bake: --credential %s is empty", *credFile)
	}
	img, err := readInput(e, *imageFile)
	if err != nil {
		return err
	}
	baked, err := bake.Bake(img, cred)
	if err != nil {
		return usagef("bake: %s: %v", *imageFile, err)
	}
	if err := os.WriteFile(*out, baked, 0o644); err != nil {
		return usagef("bake: %v", unwrapPathError(err))
	}
	fmt.Fprintf(e.stderr, "baked %s into %s (%d bytes)\n", *credFile, *out, len(baked))
	return nil
}

func runUnbake(e *env, args []string) error {
	fs := newFlags(e, "unbake", "IMAGE|-")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("unbake: want one image file (or - for stdin)")
	}
	img, err := readInput(e, rest[0])
	if err != nil {
		return err
	}
	b, err := bake.Unbake(img)
	if err != nil {
		return usagef("unbake: %s: %v", rest[0], err)
	}
	fmt.Fprintf(e.stderr, "baked in %s: %s, %s\n", b.Format, b.Version, b.Kind)
	payload := bytes.TrimRight(b.Payload, "\n")
	_, err = fmt.Fprintf(e.stdout, "%s\n", payload)
	return err
}
