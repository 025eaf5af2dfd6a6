package badgeimg_test

import (
	"fmt"

	"github.com/cairn-badges/cairn/badgeimg"
)

func ExampleSanitizeSVG() {
	out, err := badgeimg.SanitizeSVG([]byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="steal()">
<script>steal()</script><circle cx="5" cy="5" r="4" fill="url(http://tracker.example/x)" stroke="#1e3a5f"/></svg>`))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output:
	// <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">
	// <circle cx="5" cy="5" r="4" stroke="#1e3a5f"/></svg>
}

func ExampleValidate() {
	img, err := badgeimg.Validate([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300"><a href="https://example.com/"><rect width="600" height="300"/></a></svg>`), "image/svg+xml")
	if err != nil {
		panic(err)
	}
	fmt.Println(img.Format, img.Width, img.Height)
	for _, w := range img.Warnings {
		fmt.Println(w)
	}
	// Output:
	// svg 600 300
	// removed from the SVG as unsafe or unsupported: <a>
	// the image is 600×300: badges are shown in a square, so a square image looks best
}

func ExampleDesign() {
	d := badgeimg.Design{
		Shape:    badgeimg.Hexagon,
		Primary:  "#1e3a5f",
		Title:    "Teamwork",
		Subtitle: "Example University",
		Icon:     badgeimg.Star,
	}
	if err := d.Validate(); err != nil {
		panic(err)
	}
	png, err := d.PNG(256)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(d.SVG()) > 0, string(png[1:4]))
	// Output: true PNG
}
