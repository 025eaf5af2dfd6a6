package i18n

// The wording of what Cairn sends rather than serves: the PDF
// certificates' fixed texts here, the default mails below.
var certificateMessages = map[string]map[Lang]string{
	"Certificate of Achievement": {Korean: "성취 인증서", Thai: "เกียรติบัตร", Vietnamese: "Giấy chứng nhận thành tích",
		Indonesian: "Sertifikat Pencapaian", Malay: "Sijil Pencapaian", Filipino: "Sertipiko ng Tagumpay"},
	"This certifies that": {Korean: "다음 분이", Thai: "ขอรับรองว่า", Vietnamese: "Chứng nhận",
		Indonesian: "Dengan ini menyatakan bahwa", Malay: "Dengan ini disahkan bahawa", Filipino: "Pinatutunayan nito na si"},
	"This certificate is awarded for": {Korean: "이 인증서는 다음 성취에 수여됩니다", Thai: "เกียรติบัตรนี้มอบให้สำหรับ",
		Vietnamese: "Giấy chứng nhận này được trao cho", Indonesian: "Sertifikat ini diberikan untuk", Malay: "Sijil ini dianugerahkan untuk",
		Filipino: "Iginagawad ang sertipikong ito para sa"},
	"has earned": {Korean: "다음을 취득하였음을 증명합니다", Thai: "ได้รับ", Vietnamese: "đã đạt được",
		Indonesian: "telah memperoleh", Malay: "telah memperoleh", Filipino: "ay nakamit ang"},
	"has earned the %s": {Korean: "다음 %s을(를) 취득하였음을 증명합니다", Thai: "ได้รับ%s", Vietnamese: "đã đạt được %s",
		Indonesian: "telah memperoleh %s", Malay: "telah memperoleh %s", Filipino: "ay nakamit ang %s"},
	"Issued by %s": {Korean: "발급 기관: %s", Thai: "ออกโดย %s", Vietnamese: "Cấp bởi %s",
		Indonesian: "Diterbitkan oleh %s", Malay: "Dikeluarkan oleh %s", Filipino: "Inisyu ng %s"},
	"Awarded": {Korean: "수여일", Thai: "วันที่ได้รับ", Vietnamese: "Ngày cấp", Indonesian: "Diberikan", Malay: "Dianugerahkan", Filipino: "Iginawad"},
	"Valid until": {Korean: "유효 기한", Thai: "ใช้ได้ถึง", Vietnamese: "Có hiệu lực đến", Indonesian: "Berlaku hingga",
		Malay: "Sah sehingga", Filipino: "May bisa hanggang"},
	"Verify this certificate": {Korean: "이 인증서 검증하기", Thai: "ตรวจสอบเกียรติบัตรนี้", Vietnamese: "Xác minh giấy chứng nhận này",
		Indonesian: "Verifikasi sertifikat ini", Malay: "Sahkan sijil ini", Filipino: "Patunayan ang sertipikong ito"},
	"Scan the code or visit": {Korean: "코드를 스캔하거나 다음 주소를 방문하세요", Thai: "สแกนรหัสหรือไปที่", Vietnamese: "Quét mã hoặc truy cập",
		Indonesian: "Pindai kode atau kunjungi", Malay: "Imbas kod atau layari", Filipino: "I-scan ang code o bisitahin ang"},
	"ID %s": {Korean: "ID %s", Thai: "รหัส %s", Vietnamese: "Mã %s", Indonesian: "ID %s", Malay: "ID %s", Filipino: "ID %s"},
	"This credential expired on %s.": {Korean: "이 자격 증명은 %s에 만료되었습니다.", Thai: "ข้อมูลรับรองนี้หมดอายุเมื่อ %s",
		Vietnamese: "Chứng chỉ này đã hết hạn vào %s.", Indonesian: "Kredensial ini kedaluwarsa pada %s.",
		Malay: "Kelayakan ini tamat tempoh pada %s.", Filipino: "Nag-expire ang kredensyal na ito noong %s."},
}

var _ = merge(certificateMessages)
