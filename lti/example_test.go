package lti_test

import (
	"fmt"

	"github.com/cairn-badges/cairn/lti"
)

// A result becomes the score and the external id of a Cairn event.
func ExampleExternalID() {
	li := lti.LineItem{ID: "https://lms.example/li/7", ScoreMaximum: 50}
	score := 43.75
	r := lti.Result{UserID: "u-42", ResultScore: &score}
	pct, ok := lti.Score(r, li)
	fmt.Println(pct, ok)
	fmt.Println(lti.ExternalID("https://lms.example", "dep-1", li.ID, r.UserID, pct))
	// Output:
	// 87.5 true
	// lti:1jIVa3zXkWWlLlihwDRnLaygkmrbvE0kdbEuDdCOZYY
}

func ExampleAuthRedirect() {
	reg := lti.Registration{ClientID: "tool-1", AuthLoginURL: "https://lms.example/auth"}
	lr := lti.LoginRequest{Issuer: "https://lms.example", LoginHint: "u-42", LTIMessageHint: "ctx-7"}
	fmt.Println(lti.AuthRedirect(reg, lr, "https://cairn.example/lti/launch", "st", "no"))
	// Output:
	// https://lms.example/auth?client_id=tool-1&login_hint=u-42&lti_message_hint=ctx-7&nonce=no&prompt=none&redirect_uri=https%3A%2F%2Fcairn.example%2Flti%2Flaunch&response_mode=form_post&response_type=id_token&scope=openid&state=st
}
