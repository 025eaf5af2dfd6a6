package lti

import (
	"crypto/sha256"
	"encoding/base64"
	"math"
	"strconv"
)

// Score returns a result's score as a percentage: resultScore divided by
// resultMaximum, or by the line item's scoreMaximum when the result has no
// maximum, times 100 (docs/LTI.md, "From a result to a Cairn event"). ok is
// false when the result has no score, the maximum is not above zero, or
// either is not a finite number.
func Score(r Result, li LineItem) (pct float64, ok bool) {
	if r.ResultScore == nil {
		return 0, false
	}
	max := li.ScoreMaximum
	if r.ResultMaximum != nil {
		max = *r.ResultMaximum
	}
	score := *r.ResultScore
	if !(max > 0) || math.IsInf(max, 0) || math.IsNaN(score) || math.IsInf(score, 0) {
		return 0, false
	}
	return score / max * 100, true
}

// ExternalID returns the external id of the event for a result: "lti:"
// and the unpadded base64url SHA-256 of the issuer, deployment id, line
// item id, user id and score (strconv.FormatFloat(score, 'f', -1, 64)),
// with a zero byte between each and the next. It is 47 characters long and the same for
// the same result, so that a second poll makes no new event, while a
// changed score makes a new one.
func ExternalID(issuer, deploymentID, lineItemID, userID string, score float64) string {
	h := sha256.New()
	for i, s := range []string{issuer, deploymentID, lineItemID, userID, strconv.FormatFloat(score, 'f', -1, 64)} {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(s))
	}
	return "lti:" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
