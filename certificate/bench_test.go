package certificate

import "testing"

// Figures on the 2-core machine: docs/PERFORMANCE.md ("PDF certificates").
// Run with
//
//	go test -run '^$' -bench . -benchmem ./certificate

// BenchmarkRender draws one certificate, uncached: fonts registered and
// subset, the badge (a 512-pixel RGBA PNG) embedded, the QR code drawn.
func BenchmarkRender(b *testing.B) {
	s := samples(b)
	for _, name := range []string{"classic-en", "modern-th", "minimal-ko", "classic-long"} {
		c := s[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for b.Loop() {
				pdf, err := Render(c)
				if err != nil {
					b.Fatal(err)
				}
				n = len(pdf)
			}
			b.ReportMetric(float64(n), "bytes/pdf")
		})
	}
}
