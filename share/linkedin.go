package share

import (
	"net/url"
	"strconv"
	"strings"
)

// Cert is a credential as LinkedIn's "add to profile" form takes it
// (Licenses & certifications section). Empty and zero fields are left
// out of the link; the member can fill them in on LinkedIn.
type Cert struct {
	// Name is the certification's name, normally the achievement's name.
	Name string
	// OrganizationName is the issuer's name, shown as text.
	OrganizationName string
	// OrganizationID is the issuer's LinkedIn company id (digits, from
	// the company page's admin URL). When set it is sent instead of
	// OrganizationName, so LinkedIn links the company page and logo.
	OrganizationID string
	// IssueYear and IssueMonth (1–12) date the award.
	IssueYear, IssueMonth int
	// ExpirationYear and ExpirationMonth (1–12) date its end; zero for a
	// credential that does not expire.
	ExpirationYear, ExpirationMonth int
	// CertURL is the public credential page, where a viewer verifies it.
	CertURL string
	// CertID is the credential's id as the member sees it.
	CertID string
}

// linkedInAddURL is LinkedIn's add-to-profile endpoint.
const linkedInAddURL = "https://www.linkedin.com/profile/add"

// LinkedInAddToProfileURL returns the link that opens LinkedIn's "add
// licence or certification" form prefilled with c, as documented for
// LinkedIn's Add to Profile program
// (https://addtoprofile.linkedin.com/): startTask=CERTIFICATION_NAME, name,
// organizationId or organizationName, issueYear, issueMonth,
// expirationYear, expirationMonth, certUrl and certId. Values are
// percent-encoded (a space as %20). Months outside 1–12 and years outside
// 1900–9999 are left out, and a month without its year too.
func LinkedInAddToProfileURL(c Cert) string {
	var b strings.Builder
	b.WriteString(linkedInAddURL + "?startTask=CERTIFICATION_NAME")
	add := func(key, value string) {
		value = strings.TrimSpace(value)
		if value == "" {
			return
		}
		b.WriteString("&" + key + "=" + strings.ReplaceAll(url.QueryEscape(value), "+", "%20"))
	}
	date := func(yearKey, monthKey string, year, month int) {
		if year < 1900 || year > 9999 {
			return
		}
		add(yearKey, strconv.Itoa(year))
		if month >= 1 && month <= 12 {
			add(monthKey, strconv.Itoa(month))
		}
	}
	add("name", c.Name)
	if strings.TrimSpace(c.OrganizationID) != "" {
		add("organizationId", c.OrganizationID)
	} else {
		add("organizationName", c.OrganizationName)
	}
	date("issueYear", "issueMonth", c.IssueYear, c.IssueMonth)
	date("expirationYear", "expirationMonth", c.ExpirationYear, c.ExpirationMonth)
	add("certUrl", c.CertURL)
	add("certId", c.CertID)
	return b.String()
}
