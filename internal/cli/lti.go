package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

const ltiSynopsis = "lti courses|poll --server URL --key KEY [--course ID]"

// ltiCourse is a connected course as GET /api/v1/lti/courses lists it.
type ltiCourse struct {
	ID        string     `json:"id"`
	ContextID string     `json:"contextId"`
	Title     string     `json:"title"`
	EventType string     `json:"eventType"`
	PolledAt  *time.Time `json:"polledAt"`
	LastPoll  struct {
		LineItems int  `json:"lineItems"`
		Results   int  `json:"results"`
		New       int  `json:"new"`
		Awarded   int  `json:"awarded"`
		Waiting   int  `json:"waiting"`
		Failed    int  `json:"failed"`
		Truncated bool `json:"truncated"`
	} `json:"lastPoll"`
	Error string `json:"error"`
}

func (c ltiCourse) line() string {
	if c.PolledAt == nil {
		return fmt.Sprintf("%s  %s (%s): not read yet", c.ID, c.Title, c.ContextID)
	}
	s := fmt.Sprintf("%s  %s (%s): read %s: %d line items, %d scored results, %d new events, %d awards, %d waiting for an email",
		c.ID, c.Title, c.ContextID, c.PolledAt.UTC().Format(time.RFC3339), c.LastPoll.LineItems, c.LastPoll.Results, c.LastPoll.New,
		c.LastPoll.Awarded, c.LastPoll.Waiting)
	if c.Error != "" {
		s += "; error: " + c.Error
	}
	return s
}

// runLTI lists the organization's connected LMS courses, or reads their
// gradebooks now (all, or --course ID) through the server's API: for an
// operator who does not want to wait for the next poll. It exits non-zero
// when a poll failed.
func runLTI(e *env, args []string) error {
	if len(args) == 0 || (args[0] != "courses" && args[0] != "poll") {
		return usagef("lti: want a subcommand: %s", ltiSynopsis)
	}
	sub := args[0]
	fs := newFlags(e, "lti "+sub, ltiSynopsis)
	server := fs.String("server", os.Getenv("CAIRN_SERVER"), "base URL of the Cairn server (default $CAIRN_SERVER)")
	key := fs.String("key", "", "API key of an owner (default $CAIRN_API_KEY)")
	course := fs.String("course", "", "poll: only this connected course (its id, from lti courses)")
	rest, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("lti %s: unexpected argument %q", sub, rest[0])
	}
	if *key == "" {
		*key = os.Getenv("CAIRN_API_KEY")
	}
	base, err := parseServer(*server)
	if err != nil {
		return err
	}
	if *key == "" {
		return usagef("lti: --key (or $CAIRN_API_KEY) is required")
	}
	c := &apiClient{base: base.String(), key: *key, http: &http.Client{Timeout: 5 * time.Minute}, cmd: "lti " + sub}
	body, _, err := c.do(e.ctx, http.MethodGet, "/api/v1/lti/courses", nil, 0, nil)
	if err != nil {
		return err
	}
	var list struct{ Items []ltiCourse }
	if err := json.Unmarshal(body, &list); err != nil {
		return fmt.Errorf("lti %s: the server answered %q", sub, body)
	}
	if sub == "courses" {
		if len(list.Items) == 0 {
			fmt.Fprintln(e.stdout, "no course is connected")
		}
		for _, co := range list.Items {
			fmt.Fprintln(e.stdout, co.line())
		}
		return nil
	}
	failed, polled := 0, 0
	for _, co := range list.Items {
		if *course != "" && co.ID != *course {
			continue
		}
		polled++
		body, _, err := c.do(e.ctx, http.MethodPost, "/api/v1/lti/courses/"+co.ID+"/poll", strings.NewReader(""), 0, nil)
		if err != nil {
			return err
		}
		var got ltiCourse
		if err := json.Unmarshal(body, &got); err != nil {
			return fmt.Errorf("lti poll: the server answered %q", body)
		}
		if got.Error != "" {
			failed++
		}
		fmt.Fprintln(e.stdout, got.line())
	}
	if *course != "" && polled == 0 {
		return usagef("lti poll: no connected course has the id %q (see lti courses)", *course)
	}
	if failed > 0 {
		return &exitError{code: ExitFailed}
	}
	return nil
}
