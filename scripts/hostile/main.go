// Command hostile sends hostile credentials to a Cairn server's public
// verifier, a few clients at a time for a bounded time, and reports how long
// each kind took to be answered. It is the attacker's half of
// scripts/hostile.sh; it only talks to loopback addresses.
//
// It fetches one real credential from the server (-credential), builds the
// variants from it (the issue #7 credential with 28,000 evidence objects,
// wide arrays, deep nesting, many blank nodes, many contexts, a huge
// string, many proofs, many endorsements each with its own proof, a JWT
// around a hostile payload), and sends them in turn to POST /api/v1/verify
// and to the web form POST /verify. Client i sends from 127.0.0.(11+i), so
// that each is its own client for the per-address rate limit.
//
// With -retry-after (the default) a client told to back off (429 or 503
// with Retry-After) waits that long before its next request, as a client
// must; -retry-after=false floods, sending the next at once.
//
// It exits 1 when an answer took longer than -max, or was a 5xx other than
// 503 (busy, with Retry-After), or the connection failed.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

type variant struct {
	name string
	body []byte
	// form is body as the web form's multipart upload, built once so that
	// the attacker spends its time sending, not encoding.
	form, formType string
}

type result struct {
	variant, route string
	status         int
	took           time.Duration
	retryAfter     time.Duration
	err            error
}

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "the server's base URL (loopback only)")
	credURL := flag.String("credential", "", "URL of a real credential's JSON on the server (default: the demo credential)")
	clients := flag.Int("c", 4, "clients sending at once")
	duration := flag.Duration("d", 60*time.Second, "how long to send")
	maxTook := flag.Duration("max", 1500*time.Millisecond, "the longest an answer may take")
	jsonOut := flag.Bool("json", false, "print one JSON object per variant and route instead of a table")
	backOff := flag.Bool("retry-after", true, "after a 429 or 503, wait as long as its Retry-After says (false: send the next at once, a flood)")
	flag.Parse()
	if err := run(*base, *credURL, *clients, *duration, *maxTook, *jsonOut, *backOff); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

func run(base, credURL string, clients int, duration, maxTook time.Duration, jsonOut, backOff bool) error {
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-base %s: only loopback addresses are allowed", base)
	}
	if credURL == "" {
		credURL = strings.TrimRight(base, "/") + "/demo/credential.json"
	}
	cred, err := fetchCredential(credURL)
	if err != nil {
		return err
	}
	variants, err := build(cred)
	if err != nil {
		return err
	}
	routes := []string{"api", "form"}

	results := make(chan result, 1024)
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{
				Timeout: 30 * time.Second,
				Transport: &http.Transport{
					DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(11+i))}}).DialContext,
				},
			}
			for n := i; ctx.Err() == nil; n++ {
				v := variants[n%len(variants)]
				route := routes[(n/len(variants))%len(routes)]
				r := send(client, base, v, route)
				results <- r
				if backOff && r.retryAfter > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(r.retryAfter):
					}
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	type key struct{ variant, route string }
	byKey := map[key][]result{}
	for r := range results {
		k := key{r.variant, r.route}
		byKey[k] = append(byKey[k], r)
	}
	sizes := map[string]int{}
	for _, v := range variants {
		sizes[v.name] = len(v.body)
	}
	bad := 0
	if !jsonOut {
		fmt.Printf("%-22s %-5s %9s %6s %-34s %8s %8s %8s %6s\n", "variant", "route", "bytes", "n", "statuses", "p50", "p99", "max", ">max")
	}
	for _, v := range variants {
		for _, route := range routes {
			rs := byKey[key{v.name, route}]
			if len(rs) == 0 {
				continue
			}
			var took []time.Duration
			statuses := map[string]int{}
			over := 0
			for _, r := range rs {
				took = append(took, r.took)
				s := fmt.Sprint(r.status)
				if r.err != nil {
					s = "error"
					bad++
				} else if r.status >= 500 && r.status != http.StatusServiceUnavailable {
					bad++
				}
				statuses[s]++
				if r.took > maxTook {
					over++
					bad++
				}
			}
			slices.Sort(took)
			pct := func(p float64) time.Duration { return took[min(len(took)-1, int(p*float64(len(took))))] }
			var st []string
			for s, n := range statuses {
				st = append(st, fmt.Sprintf("%s×%d", s, n))
			}
			slices.Sort(st)
			if jsonOut {
				b, _ := json.Marshal(map[string]any{"variant": v.name, "route": route, "bytes": sizes[v.name], "n": len(rs),
					"statuses": statuses, "p50_ms": ms(pct(0.5)), "p99_ms": ms(pct(0.99)), "max_ms": ms(took[len(took)-1]), "over_max": over})
				fmt.Println(string(b))
				continue
			}
			fmt.Printf("%-22s %-5s %9d %6d %-34s %8s %8s %8s %6d\n", v.name, route, sizes[v.name], len(rs), strings.Join(st, " "),
				round(pct(0.5)), round(pct(0.99)), round(took[len(took)-1]), over)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d answers were errors, 5xx other than 503, or took longer than %s", bad, maxTook)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func round(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(100 * time.Microsecond).String()
}

func send(c *http.Client, base string, v variant, route string) result {
	var req *http.Request
	var err error
	switch route {
	case "api":
		req, err = http.NewRequest(http.MethodPost, base+"/api/v1/verify", bytes.NewReader(v.body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	default:
		req, err = http.NewRequest(http.MethodPost, base+"/verify", strings.NewReader(v.form))
		if err == nil {
			req.Header.Set("Content-Type", v.formType)
		}
	}
	if err != nil {
		return result{variant: v.name, route: route, err: err}
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return result{variant: v.name, route: route, err: err, took: time.Since(start)}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	res := result{variant: v.name, route: route, status: resp.StatusCode, took: time.Since(start)}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		res.retryAfter = time.Duration(s) * time.Second
	}
	return res
}

func fetchCredential(u string) (map[string]any, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	return m, nil
}

// clone deep-copies a decoded JSON value.
func clone(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func subject(c map[string]any) map[string]any {
	s, _ := c["credentialSubject"].(map[string]any)
	if s == nil {
		s = map[string]any{}
		c["credentialSubject"] = s
	}
	return s
}

func achievement(c map[string]any) map[string]any {
	a, _ := subject(c)["achievement"].(map[string]any)
	if a == nil {
		a = map[string]any{}
		subject(c)["achievement"] = a
	}
	return a
}

// build makes the hostile variants of a real credential.
func build(cred map[string]any) ([]variant, error) {
	var out []variant
	add := func(name string, f func(c map[string]any)) {
		c := clone(cred)
		f(c)
		b, err := json.Marshal(c)
		if err == nil {
			out = append(out, variant{name: name, body: b})
		}
	}
	evidence := func(n int, item func(i int) any) func(map[string]any) {
		return func(c map[string]any) {
			ev := make([]any, n)
			for i := range ev {
				ev[i] = item(i)
			}
			c["evidence"] = ev
		}
	}
	same := func(int) any { return map[string]any{"type": []any{"Evidence"}, "name": "e"} }
	add("evidence-28000", evidence(28_000, same))
	add("evidence-10000", evidence(10_000, same))
	add("blank-nodes-9000", evidence(9_000, func(i int) any { return map[string]any{"type": "Evidence", "name": fmt.Sprint("e", i)} }))
	add("blank-nodes-2500", evidence(2_500, func(i int) any { return map[string]any{"type": "Evidence", "name": fmt.Sprint("e", i)} }))
	add("wide-array-200000", func(c map[string]any) {
		tags := make([]any, 200_000)
		for i := range tags {
			tags[i] = "x"
		}
		achievement(c)["tag"] = tags
	})
	add("deep-5000", func(c map[string]any) {
		var v any = "x"
		for range 5_000 {
			v = map[string]any{"narrative": v}
		}
		subject(c)["source"] = v
	})
	add("many-contexts-60x300", evidence(60, func(i int) any {
		ctx := map[string]any{}
		for j := range 300 {
			ctx[fmt.Sprint("t", j)] = fmt.Sprintf("https://example.org/terms/%d", j)
		}
		return map[string]any{"@context": ctx, "type": "Evidence", "t1": "x"}
	}))
	add("huge-string-1MB", func(c map[string]any) { c["description"] = strings.Repeat("x", 1_000_000) })
	add("many-proofs-2000", func(c map[string]any) {
		p := c["proof"]
		if l, ok := p.([]any); ok && len(l) > 0 {
			p = l[0]
		}
		ps := make([]any, 2_000)
		for i := range ps {
			ps[i] = p
		}
		c["proof"] = ps
	})
	single, _ := json.Marshal(cred)
	n := (900 << 10) / max(1, len(single))
	add(fmt.Sprintf("endorsements-%d", n), func(c map[string]any) {
		es := make([]any, n)
		for i := range es {
			es[i] = clone(cred)
		}
		c["endorsement"] = es
	})
	// A VC-JWT around the 10,000-evidence payload, with a signature that
	// cannot verify: the verifier must still refuse it cheaply.
	payload := clone(cred)
	evidence(10_000, same)(payload)
	delete(payload, "proof")
	pb, _ := json.Marshal(payload)
	enc := base64.RawURLEncoding.EncodeToString
	issuer, _ := cred["issuer"].(map[string]any)
	kid := fmt.Sprint(issuer["id"], "#key-0")
	hb, _ := json.Marshal(map[string]any{"alg": "EdDSA", "typ": "vc+jwt", "kid": kid})
	out = append(out, variant{name: "jwt-evidence-10000", body: []byte(enc(hb) + "." + enc(pb) + "." + enc(make([]byte, 64)))})
	if len(out) == 0 {
		return nil, fmt.Errorf("no variant could be built")
	}
	for i := range out {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("credential", string(out[i].body))
		_ = mw.Close()
		out[i].form, out[i].formType = buf.String(), mw.FormDataContentType()
	}
	return out, nil
}
