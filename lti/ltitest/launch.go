package ltitest

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"

	"github.com/cairn-badges/cairn/lti"
)

var autoPost = regexp.MustCompile(`name="(id_token|state)" value="([^"]*)"`)

// Launch runs a launch as a browser does, with c (give it a cookie jar):
// the platform's third-party initiated login sends it to loginURL (the
// tool's) for userID in contextID, the tool redirects it to the
// platform's authorization endpoint, and the form that answers is posted
// to the tool's launchURL. It returns the response to that post (its body
// read, redirects followed) and the body.
func (p *Platform) Launch(c *http.Client, reg lti.Registration, loginURL, launchURL, userID, contextID string) (*http.Response, string, error) {
	q := p.LoginParams(reg, userID, contextID, launchURL)
	resp, err := c.Get(loginURL + "?" + q.Encode())
	if err != nil {
		return nil, "", err
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return resp, string(page), fmt.Errorf("ltitest: the login ended with %d", resp.StatusCode)
	}
	form := url.Values{}
	for _, m := range autoPost.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("id_token") == "" {
		return resp, string(page), fmt.Errorf("ltitest: the login did not reach the platform's form")
	}
	resp, err = c.PostForm(launchURL, form)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}
