package badgeimg

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var samplesDir = flag.String("samples", "", "write sample designs as PNG and SVG to this folder, to look at them")

// sampleDesigns cover every shape and icon, light and dark colours, and
// titles that need wrapping, shrinking and ellipsis.
var sampleDesigns = []Design{
	{Shape: Hexagon, Title: "Teamwork", Subtitle: "Example Corp", Icon: Star},
	{Shape: Circle, Primary: "#1f5c46", Secondary: "#e6cf7a", Title: "Introduction to Data Science and Machine Learning", Subtitle: "Level 2", Icon: Book},
	{Shape: Shield, Primary: "#7a1f3d", Secondary: "#ebc58a", Title: "Cyber Security Fundamentals", Subtitle: "Cairn University", Icon: Check},
	{Shape: Rosette, Primary: "#4c2a85", Secondary: "#f2be55", Title: "Graduate", Subtitle: "Class of 2026", Icon: Cap},
	{Shape: Square, Primary: "#f5f0e1", Secondary: "#b4532a", Title: "Go Programming", Subtitle: "Advanced", Icon: Code},
	{Shape: Hexagon, Primary: "#0f5e6b", Secondary: "#a8e0d5", Title: "Supercalifragilisticexpialidocious Extraordinarily Long Achievement Title Here", Subtitle: "A very long subtitle that needs wrapping too"},
	{Shape: Circle, Primary: "#334155", Secondary: "#cbd5e1", Title: "First Aid", Icon: Heart},
	{Shape: Shield, Primary: "#b4532a", Secondary: "#fbe4c8", Title: "Électricité & <Énergie>", Subtitle: "Niveau 1", Icon: Bolt},
	{Shape: Shield, Title: "An Extraordinarily Long Achievement Title That Needs Three Lines Or More To Fit", Subtitle: "Example University of Applied Sciences", Icon: Star},
	{Shape: Rosette, Primary: "#0f5e6b", Secondary: "#a8e0d5", Title: "Pneumonoultramicroscopicsilicovolcanoconiosis", Subtitle: "Example University of Applied Sciences"},
	// Scripts Go Bold lacks: Thai (marks over tall consonants and upper
	// vowels), Korean, Vietnamese (stacked marks, decomposed here).
	{Shape: Hexagon, Primary: "#1f3a5f", Secondary: "#f2c14e", Title: "วิทยาศาสตร์ข้อมูล ปิ่นที่น้ำใจ", Subtitle: "มหาวิทยาลัยเชียงใหม่", Icon: Star},
	{Shape: Circle, Primary: "#7a1f3d", Secondary: "#ebc58a", Title: "데이터 과학 입문", Subtitle: "서울대학교", Icon: Book},
	{Shape: Shield, Primary: "#0f5e6b", Secondary: "#a8e0d5", Title: "Nhập môn Khoa học Dữ liệu", Subtitle: "Đại học Bách khoa Hà Nội", Icon: Check},
	{Shape: Square, Primary: "#f5f0e1", Secondary: "#b4532a", Title: "Nguye\u0302\u0303n Thi\u0323 Tha\u0309o", Subtitle: "Kỹ năng số", Icon: Code},
}

// TestWriteSamples writes the sample designs when -samples is given:
// go test ./badgeimg -run TestWriteSamples -samples /tmp/badges
func TestWriteSamples(t *testing.T) {
	if *samplesDir == "" {
		t.Skip("no -samples folder")
	}
	for i, d := range sampleDesigns {
		b, err := d.PNG(512)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(*samplesDir, fmt.Sprintf("%d-%s", i, d.Shape))
		if err := os.WriteFile(name+".png", b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name+".svg", d.SVG(), 0o644); err != nil {
			t.Fatal(err)
		}
		small, err := d.PNG(128)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name+"-128.png", small, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
