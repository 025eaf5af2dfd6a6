package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/wallet"
)

// runLearner is a learner's side of a server: sign up, sign in for a
// token, verify an address, prove a DID, claim badges and list them.
// Passwords are read from the first line of standard input, never from
// flags (they would show in the process list and shell history).
func runLearner(e *env, args []string) error {
	const subs = "signup, login, me, verify-email, did-add, claim, credentials, import, export or delete"
	if len(args) == 0 {
		return usagef("learner: want a subcommand: %s", subs)
	}
	sub, args := args[0], args[1:]
	fs := newFlags(e, "learner "+sub, learnerSynopsis[sub])
	server := fs.String("server", os.Getenv("CAIRN_SERVER"), "the Cairn server's base URL (default $CAIRN_SERVER)")
	token := fs.String("token", os.Getenv("CAIRN_LEARNER_TOKEN"), "a learner API token from cairn learner login (default $CAIRN_LEARNER_TOKEN)")
	var email, name, keyFile, outFile *string
	var refuseFailed *bool
	switch sub {
	case "signup":
		email = fs.String("email", "", "your email address (required)")
		name = fs.String("name", "", "your name (required)")
	case "login":
		email = fs.String("email", "", "your email address (required)")
	case "did-add":
		keyFile = fs.String("key", "", "the Ed25519 or P-256 private key (JWK file, cairn keys new) of the did:key to prove (required)")
	case "export":
		outFile = fs.String("out", "", "the ZIP file to write (required)")
	case "import":
		refuseFailed = fs.Bool("refuse-failed", false, "refuse a credential that fails verification instead of keeping it flagged failed")
	case "me", "verify-email", "claim", "credentials", "delete":
	default:
		return usagef("learner: unknown subcommand %q (want %s)", sub, subs)
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *server == "" {
		return usagef("learner %s: --server is required (or set CAIRN_SERVER)", sub)
	}
	base, err := url.Parse(strings.TrimRight(*server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return usagef("learner %s: --server %q: want http(s)://host", sub, *server)
	}
	c := &learnerClient{base: base.String(), token: *token, sub: sub}
	needToken := func() error {
		if c.token == "" {
			return usagef("learner %s: --token is required (or set CAIRN_LEARNER_TOKEN; cairn learner login prints one)", sub)
		}
		return nil
	}
	wantArgs := func(n int, what string) error {
		if len(rest) != n {
			return usagef("learner %s: want %s", sub, what)
		}
		return nil
	}
	ctx := e.ctx
	switch sub {
	case "signup", "login":
		if err := wantArgs(0, "no arguments"); err != nil {
			return err
		}
		if *email == "" || (name != nil && *name == "") {
			return usagef("learner %s: --email%s required", sub, map[bool]string{true: " and --name are", false: " is"}[name != nil])
		}
		pw, err := readPassword(e)
		if err != nil {
			return err
		}
		if sub == "signup" {
			var me learnerInfo
			if err := c.do(ctx, "POST", "/learner/signup", map[string]string{"email": *email, "password": pw, "name": *name}, &me); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "created wallet %s for %s\n", me.ID, me.Email)
			fmt.Fprintln(e.stderr, "open the link mailed to your address to verify it (cairn learner verify-email LINK)")
			return nil
		}
		var tok struct{ Token, ExpiresAt string }
		if err := c.do(ctx, "POST", "/learner/session", map[string]string{"email": *email, "password": pw}, &tok); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, tok.Token)
		fmt.Fprintf(e.stderr, "token valid until %s; export CAIRN_LEARNER_TOKEN=… to use it\n", tok.ExpiresAt)
		return nil
	case "verify-email":
		if err := wantArgs(1, "the verification LINK (or its token)"); err != nil {
			return err
		}
		tok := rest[0]
		if u, err := url.Parse(tok); err == nil && u.Query().Get("token") != "" {
			tok = u.Query().Get("token")
		}
		var v struct{ Email string }
		if err := c.do(ctx, "POST", "/learner/emails/verify", map[string]string{"token": tok}, &v); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "verified %s\n", v.Email)
		return nil
	}
	if err := needToken(); err != nil {
		return err
	}
	switch sub {
	case "me":
		if err := wantArgs(0, "no arguments"); err != nil {
			return err
		}
		var me learnerInfo
		if err := c.do(ctx, "GET", "/learner/me", nil, &me); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s <%s> (wallet %s)\n", me.Name, me.Email, me.ID)
		for _, m := range me.Emails {
			fmt.Fprintf(e.stdout, "  email %s %s\n", m.Email, verifiedWord(m.Verified))
		}
		for _, d := range me.DIDs {
			fmt.Fprintf(e.stdout, "  did   %s %s\n", d.DID, verifiedWord(d.Verified))
		}
		return nil
	case "did-add":
		if err := wantArgs(0, "no arguments"); err != nil {
			return err
		}
		if *keyFile == "" {
			return usagef("learner did-add: --key is required")
		}
		k, err := keys.LoadFile(*keyFile)
		if err != nil {
			return usagef("learner did-add: %v", err)
		}
		d, _, err := did.KeyDID(k.Public())
		if err != nil {
			return usagef("learner did-add: %v", err)
		}
		var ch struct{ Challenge string }
		if err := c.do(ctx, "POST", "/learner/dids", map[string]string{"did": d}, &ch); err != nil {
			return err
		}
		proof, err := wallet.SignKeyJWS(k, []byte(ch.Challenge))
		if err != nil {
			return usagef("learner did-add: %v", err)
		}
		if err := c.do(ctx, "POST", "/learner/dids/verify", map[string]string{"did": d, "proof": proof}, nil); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "verified %s\n", d)
		return nil
	case "claim":
		if err := wantArgs(1, "the claim LINK (or its token)"); err != nil {
			return err
		}
		var cr credentialInfo
		if err := c.do(ctx, "POST", "/learner/claims", map[string]string{"token": rest[0]}, &cr); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "claimed %s from %s: %s\n", cr.Name, cr.Issuer.Name, cr.URL)
		return nil
	case "credentials":
		if err := wantArgs(0, "no arguments"); err != nil {
			return err
		}
		var list struct{ Items []credentialInfo }
		if err := c.do(ctx, "GET", "/learner/credentials", nil, &list); err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tISSUER\tAWARDED\tSTATE\tURL")
		for _, cr := range list.Items {
			fmt.Fprintf(tw, "%s\t%s\t%.10s\t%s\t%s\n", cr.Name, cr.Issuer.Name, cr.AwardedDate, cr.State, cr.URL)
		}
		return tw.Flush()
	case "export":
		if err := wantArgs(0, "no arguments"); err != nil {
			return err
		}
		return c.export(ctx, e, *outFile)
	case "import":
		if err := wantArgs(1, "a FILE (badge image, credential JSON or JWT; - for standard input) or a URL"); err != nil {
			return err
		}
		return c.importCredential(e, rest[0], *refuseFailed)
	case "delete":
		if err := wantArgs(0, "no arguments"); err != nil {
			return err
		}
		pw, err := readPassword(e)
		if err != nil {
			return err
		}
		if err := c.do(ctx, "DELETE", "/learner/me", map[string]string{"password": pw}, nil); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "wallet deleted")
		return nil
	}
	return nil
}

var learnerSynopsis = map[string]string{
	"export":       "--server URL --token TOKEN --out FILE.zip",
	"signup":       "--server URL --email ADDRESS --name NAME < password",
	"login":        "--server URL --email ADDRESS < password  (prints a token)",
	"me":           "--server URL --token TOKEN",
	"verify-email": "--server URL LINK",
	"did-add":      "--server URL --token TOKEN --key FILE",
	"claim":        "--server URL --token TOKEN LINK",
	"credentials":  "--server URL --token TOKEN",
	"import":       "--server URL --token TOKEN [--refuse-failed] FILE|URL",
	"delete":       "--server URL --token TOKEN < password",
}

func verifiedWord(v bool) string {
	if v {
		return "verified"
	}
	return "not verified"
}

type learnerInfo struct {
	ID, Name, Email string
	Emails          []struct {
		Email    string
		Verified bool
	}
	DIDs []struct {
		DID      string
		Verified bool
	}
}

type credentialInfo struct {
	ID, Name, URL, State, AwardedDate string
	Issuer                            struct{ Name string }
}

// readPassword reads the password from the first line of standard input.
func readPassword(e *env) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", usagef("reading the password from standard input: %v", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usagef("give the password on standard input (e.g. from a password manager: … | cairn learner …)")
	}
	return pw, nil
}

// learnerClient calls the learner API.
type learnerClient struct {
	base, token, sub string
}

// do sends body as JSON and decodes a 2xx answer into v; any other answer
// is an error made of the problem's field and detail.
func (c *learnerClient) do(ctx context.Context, method, path string, body, v any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/api/v1"+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("learner %s: %v", c.sub, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("learner %s: reading the answer: %v", c.sub, err)
	}
	if resp.StatusCode/100 != 2 {
		var p struct{ Detail, Field string }
		if json.Unmarshal(data, &p) == nil && p.Detail != "" {
			if p.Field != "" && !strings.HasPrefix(p.Detail, p.Field) {
				p.Detail = p.Field + ": " + p.Detail
			}
			return fmt.Errorf("learner %s: %d %s: %s", c.sub, resp.StatusCode, http.StatusText(resp.StatusCode), p.Detail)
		}
		return fmt.Errorf("learner %s: %d %s", c.sub, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	if v != nil && len(data) > 0 {
		if err := json.Unmarshal(data, v); err != nil {
			return fmt.Errorf("learner %s: the answer is not JSON: %v", c.sub, err)
		}
	}
	return nil
}
