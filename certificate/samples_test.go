package certificate

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-badges/cairn/badgeimg"
	"github.com/cairn-badges/cairn/i18n"
)

// samples are certificates of every layout in the scripts the fonts cover.
func samples(t testing.TB) map[string]*Certificate {
	t.Helper()
	badge, err := badgeimg.Design{Shape: badgeimg.Hexagon, Primary: "#1f3a5f", Secondary: "#f2c14e", Title: "Data Science", Subtitle: "Cairn University", Icon: badgeimg.Star}.PNG(512)
	if err != nil {
		t.Fatal(err)
	}
	awarded := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	url := "https://badges.example.edu/credentials/0b6c7f0e-5d1a-4c8e-9a57-3e1f2d4c5b6a"
	base := func(layout Layout, lang i18n.Lang, name, achievement, issuer string) *Certificate {
		return &Certificate{Lang: lang,
			Design:          Design{Layout: layout, SignatoryName: "Dr Jane Roe", SignatoryTitle: "Dean of the Faculty of Science"},
			RecipientName:   name,
			AchievementName: achievement, AchievementType: "Micro Credential",
			Description: "Awarded to learners who completed the four modules of the programme, passed the final assessment " +
				"with at least 70% and presented a capstone project to a panel of practitioners.",
			IssuerName: issuer, Awarded: awarded, ValidUntil: awarded.AddDate(3, 0, 0),
			URL: url, CredentialID: "urn:uuid:0b6c7f0e-5d1a-4c8e-9a57-3e1f2d4c5b6a", Badge: badge,
		}
	}
	return map[string]*Certificate{
		"classic-en":   base(Classic, i18n.English, "Ada Lovelace", "Introduction to Data Science", "Cairn University"),
		"modern-th":    base(Modern, i18n.Thai, "สมชาย ใจดี ปิ่นทอง น้ำใจ ที่รัก", "หลักสูตรวิทยาศาสตร์ข้อมูลเบื้องต้น", "มหาวิทยาลัยเชียงใหม่"),
		"minimal-ko":   base(Minimal, i18n.Korean, "김민준 이서연", "데이터 과학 입문", "서울대학교"),
		"classic-vi":   base(Classic, i18n.Vietnamese, "Nguyễn Thị Phương Thảo", "Nhập môn Khoa học Dữ liệu", "Trường Đại học Bách khoa Hà Nội"),
		"modern-id":    base(Modern, i18n.Indonesian, "Siti Nurhaliza binti Abdullah", "Pengantar Ilmu Data", "Universitas Indonesia"),
		"classic-long": base(Classic, i18n.English, "Wolfeschlegelsteinhausenbergerdorff Hubert Blaine Maximilian Alexander Bartholomew Christopher Dominic Ezekiel Frederick Gerald", "A very long achievement name that goes on and on to test that the wrapping and the shrinking of the text keep it inside its box on the page", "The Board of Trustees of the Leland Stanford Junior University, Office of the Vice Provost"),
		"minimal-ms":   base(Minimal, i18n.Malay, "Muhammad Hafiz bin Ismail", "Asas Sains Data", "Universiti Malaya"),
		"classic-fil":  base(Classic, i18n.Filipino, "Maria Clara Santos dela Cruz", "Panimula sa Agham ng Datos", "Unibersidad ng Pilipinas"),
		"minimal-anon": base(Minimal, i18n.English, "", "Introduction to Data Science", "Cairn University"),
	}
}

// TestWriteSamples writes the sample certificates as PDF and PNG to the
// folder in CAIRN_CERTIFICATE_SAMPLES, to look at.
func TestWriteSamples(t *testing.T) {
	dir := os.Getenv("CAIRN_CERTIFICATE_SAMPLES")
	if dir == "" {
		t.Skip("CAIRN_CERTIFICATE_SAMPLES is not set")
	}
	for name, c := range samples(t) {
		for _, size := range []Size{A4, Letter} {
			c.Size = size
			pdf, err := Render(c)
			if err != nil {
				t.Fatal(name, err)
			}
			path := filepath.Join(dir, name+"-"+string(size)+".pdf")
			if err := os.WriteFile(path, pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("pdftoppm", "-png", "-r", "60", "-singlefile", path, path[:len(path)-4]).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v: %s", err, out)
			}
		}
	}
}
