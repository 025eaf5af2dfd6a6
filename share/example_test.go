package share_test

import (
	"fmt"

	"github.com/cairn-badges/cairn/share"
)

func ExampleLinkedInAddToProfileURL() {
	fmt.Println(share.LinkedInAddToProfileURL(share.Cert{
		Name:             "Teamwork",
		OrganizationName: "Example University",
		IssueYear:        2026, IssueMonth: 5,
		CertURL: "https://badges.example.edu/credentials/42",
		CertID:  "42",
	}))
	// Output:
	// https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=Teamwork&organizationName=Example%20University&issueYear=2026&issueMonth=5&certUrl=https%3A%2F%2Fbadges.example.edu%2Fcredentials%2F42&certId=42
}

func ExampleMeta_Tags() {
	tags := share.Meta{
		Title:    "Teamwork",
		URL:      "https://badges.example.edu/credentials/42",
		ImageURL: "https://badges.example.edu/credentials/42.png",
		SiteName: "Example University",
	}.Tags()
	for _, t := range tags {
		fmt.Println(t.Property+t.Name, "=", t.Content)
	}
	// Output:
	// og:type = website
	// og:site_name = Example University
	// og:title = Teamwork
	// og:url = https://badges.example.edu/credentials/42
	// og:image = https://badges.example.edu/credentials/42.png
	// twitter:card = summary
	// twitter:title = Teamwork
	// twitter:image = https://badges.example.edu/credentials/42.png
}
