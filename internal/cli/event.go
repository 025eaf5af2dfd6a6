package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// eventSynopsis is the usage line of cairn event.
const eventSynopsis = `--server URL --key KEY (--type T --course C --email E | --did D) [--score N] --external-id X
       cairn event --server URL --key KEY FILE.json|-`

// maxEventFile caps an event read from a file or stdin.
const maxEventFile = 1 << 20

// eventTimeout bounds one event request.
const eventTimeout = 60 * time.Second

// runEvent sends a completion event to a Cairn server (POST
// /api/v1/events) and prints what the organization's rules awarded for it.
// Exit codes: 0 when the server took the event (awarded, or no rule
// matched), 1 when it could not (refused, conflict, unreachable, or an
// award failed), 3 for usage and input errors (the server's 400 and 422
// included).
func runEvent(e *env, args []string) error {
	fs := newFlags(e, "event", eventSynopsis)
	server := fs.String("server", os.Getenv("CAIRN_SERVER"), "base URL of the Cairn server (default $CAIRN_SERVER)")
	key := fs.String("key", "", "API key of a role that may issue (default $CAIRN_API_KEY)")
	typ := fs.String("type", "course.completed", "event type")
	course := fs.String("course", "", "course ID")
	email := fs.String("email", "", "recipient's email address")
	did := fs.String("did", "", "recipient's DID (instead of --email)")
	name := fs.String("name", "", "recipient's name")
	score := fs.String("score", "", "score, a percentage from 0 to 100")
	ext := fs.String("external-id", "", "your unique ID of the event (a retry with it makes nothing new)")
	occurred := fs.String("occurred-at", "", "when it happened, RFC 3339 (default now)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *key == "" {
		*key = os.Getenv("CAIRN_API_KEY")
	}
	base, err := parseServer(*server)
	if err != nil {
		return err
	}
	if *key == "" {
		return usagef("event: --key (or $CAIRN_API_KEY) is required")
	}
	var body []byte
	switch len(rest) {
	case 0:
		if *ext == "" {
			return usagef("event: --external-id is required (or give a FILE.json)")
		}
		if *email == "" && *did == "" {
			return usagef("event: --email or --did is required")
		}
		ev := map[string]any{"type": *typ, "externalId": *ext}
		recipient := map[string]any{}
		for k, v := range map[string]string{"email": *email, "did": *did, "name": *name} {
			if v != "" {
				recipient[k] = v
			}
		}
		ev["recipient"] = recipient
		if *course != "" {
			ev["courseId"] = *course
		}
		if *score != "" {
			n, err := strconv.ParseFloat(*score, 64)
			if err != nil {
				return usagef("event: --score %q is not a number", *score)
			}
			ev["score"] = n
		}
		at := time.Now().UTC().Truncate(time.Second)
		if *occurred != "" {
			if at, err = time.Parse(time.RFC3339, *occurred); err != nil {
				return usagef("event: --occurred-at %q is not an RFC 3339 date-time such as 2025-06-30T12:00:00Z", *occurred)
			}
		}
		ev["occurredAt"] = at.Format(time.RFC3339)
		body, _ = json.Marshal(ev)
	case 1:
		set := false
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "server" && f.Name != "key" {
				set = true
			}
		})
		if set {
			return usagef("event: give the event as a FILE or as flags, not both")
		}
		if body, err = readEventFile(e, rest[0]); err != nil {
			return err
		}
	default:
		return usagef("event: one FILE at most, got %d arguments", len(rest))
	}
	return postEvent(e, base, *key, body)
}

// parseServer checks the --server URL.
func parseServer(s string) (*url.URL, error) {
	if s == "" {
		return nil, usagef("event: --server (or $CAIRN_SERVER) is required, e.g. https://badges.example.org")
	}
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("event: --server %q is not an http(s) URL", s)
	}
	return u, nil
}

func readEventFile(e *env, name string) ([]byte, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, usagef("event: %v", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxEventFile+1))
	if err != nil {
		return nil, usagef("event: reading %s: %v", name, err)
	}
	if len(b) > maxEventFile {
		return nil, usagef("event: %s is larger than 1 MiB", name)
	}
	if !json.Valid(b) {
		return nil, usagef("event: %s is not JSON", name)
	}
	return b, nil
}

// eventAnswer is what POST /api/v1/events answers.
type eventAnswer struct {
	ExternalID   string `json:"externalId"`
	Outcome      string `json:"outcome"`
	Error        string `json:"error"`
	MatchedRules []struct {
		ID, Name, AchievementID string
	} `json:"matchedRules"`
	Awards []struct {
		ID, RuleID, AchievementID, CredentialID string
	} `json:"awards"`
}

func postEvent(e *env, base *url.URL, key string, body []byte) error {
	ctx, cancel := context.WithTimeout(e.ctx, eventTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", base.String()+"/api/v1/events", bytes.NewReader(body))
	if err != nil {
		return usagef("event: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("event: cannot reach %s: %v", base.Host, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
		var p struct {
			Detail string `json:"detail"`
			Field  string `json:"field"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &p) == nil && p.Detail != "" {
			msg = p.Detail
			if p.Field != "" && !strings.HasPrefix(msg, p.Field+":") {
				msg = p.Field + ": " + msg
			}
		}
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		err := fmt.Errorf("event: the server answered %d %s: %s", res.StatusCode, http.StatusText(res.StatusCode), msg)
		switch res.StatusCode {
		case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			return &usageError{msg: err.Error()}
		}
		return err
	}
	var a eventAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return fmt.Errorf("event: the server's answer is not an event: %v", err)
	}
	replay := ""
	if res.StatusCode == http.StatusOK {
		replay = " (sent before: nothing new was made)"
	}
	names := map[string]string{}
	for _, m := range a.MatchedRules {
		names[m.ID] = m.Name
	}
	switch a.Outcome {
	case "no-match":
		fmt.Fprintf(e.stdout, "event %s: no rule matched, nothing awarded%s\n", a.ExternalID, replay)
	default:
		fmt.Fprintf(e.stdout, "event %s: %s, %d award(s)%s\n", a.ExternalID, a.Outcome, len(a.Awards), replay)
	}
	for _, aw := range a.Awards {
		fmt.Fprintf(e.stdout, "  %s  rule %q  achievement %s\n", aw.CredentialID, names[aw.RuleID], aw.AchievementID)
	}
	if a.Outcome == "error" {
		return fmt.Errorf("event: an award could not be made: %s", a.Error)
	}
	return nil
}
