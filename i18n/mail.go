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

// mailMessages are the default mails' sentences. A sentence's %s stands
// for a field of the mail's template ({{.LearnerName}}): package
// notify/mail puts the field there, so a translation may move it but
// must keep it (and add no {{ of its own).
var mailMessages = map[string]map[Lang]string{
	// The award mail.
	"You earned %s": {Korean: "%s을(를) 획득했습니다", Thai: "คุณได้รับ %s", Vietnamese: "Bạn đã đạt được %s",
		Indonesian: "Anda memperoleh %s", Malay: "Anda telah memperoleh %s", Filipino: "Nakamit mo ang %s"},
	"Hello %s,": {Korean: "%s님, 안녕하세요.", Thai: "สวัสดี %s", Vietnamese: "Xin chào %s,", Indonesian: "Halo %s,", Malay: "Salam %s,", Filipino: "Kumusta %s,"},
	"%s awarded you the %s badge on %s.": {Korean: "%s에서 %s 배지를 수여했습니다(수여일: %s).", Thai: "%s มอบเหรียญตรา %s ให้คุณเมื่อวันที่ %s",
		Vietnamese: "%s đã trao cho bạn huy hiệu %s vào ngày %s.", Indonesian: "%s memberi Anda lencana %s pada %s.",
		Malay: "%s telah menganugerahkan lencana %s kepada anda pada %s.", Filipino: "Iginawad sa iyo ng %s ang badge na %s noong %s."},
	"It is valid until %s.": {Korean: "%s까지 유효합니다.", Thai: "ใช้ได้ถึง %s", Vietnamese: "Huy hiệu có hiệu lực đến %s.",
		Indonesian: "Lencana ini berlaku hingga %s.", Malay: "Lencana ini sah sehingga %s.", Filipino: "May bisa ito hanggang %s."},
	"See and share it: %s": {Korean: "배지 보기 및 공유: %s", Thai: "ดูและแชร์ได้ที่: %s", Vietnamese: "Xem và chia sẻ: %s",
		Indonesian: "Lihat dan bagikan: %s", Malay: "Lihat dan kongsi: %s", Filipino: "Tingnan at ibahagi: %s"},
	"Claim it, to keep it with your other badges: %s": {Korean: "배지를 받아 다른 배지와 함께 보관하세요: %s",
		Thai: "รับเหรียญตราเพื่อเก็บไว้กับเหรียญตราอื่นของคุณ: %s", Vietnamese: "Nhận huy hiệu để lưu cùng các huy hiệu khác của bạn: %s",
		Indonesian: "Klaim untuk menyimpannya bersama lencana Anda yang lain: %s", Malay: "Tuntut untuk menyimpannya bersama lencana anda yang lain: %s",
		Filipino: "I-claim ito para maitabi kasama ng iba mong badge: %s"},
	"The badge image attached holds the credential itself: anyone can check it at %s.": {
		Korean:     "첨부된 배지 이미지에는 자격 증명 자체가 담겨 있어 누구나 %s에서 확인할 수 있습니다.",
		Thai:       "ภาพเหรียญตราที่แนบมามีข้อมูลรับรองอยู่ในตัว ทุกคนตรวจสอบได้ที่ %s",
		Vietnamese: "Ảnh huy hiệu đính kèm chứa chính chứng chỉ: ai cũng có thể kiểm tra tại %s.",
		Indonesian: "Gambar lencana terlampir memuat kredensial itu sendiri: siapa pun dapat memeriksanya di %s.",
		Malay:      "Imej lencana yang dilampirkan mengandungi kelayakan itu sendiri: sesiapa pun boleh menyemaknya di %s.",
		Filipino:   "Nasa nakalakip na larawan ng badge ang mismong kredensyal: masusuri ito ng kahit sino sa %s."},
	"Claim your badge": {Korean: "배지 받기", Thai: "รับเหรียญตรา", Vietnamese: "Nhận huy hiệu", Indonesian: "Klaim lencana Anda",
		Malay: "Tuntut lencana anda", Filipino: "I-claim ang iyong badge"},

	// The reminder.
	"Your %s badge expires in %s days": {Korean: "%s 배지가 %s일 후 만료됩니다", Thai: "เหรียญตรา %s ของคุณจะหมดอายุในอีก %s วัน",
		Vietnamese: "Huy hiệu %s của bạn sẽ hết hạn sau %s ngày", Indonesian: "Lencana %s Anda kedaluwarsa dalam %s hari",
		Malay: "Lencana %s anda akan tamat tempoh dalam %s hari", Filipino: "Mag-e-expire ang badge mong %s sa loob ng %s araw"},
	"your %s badge from %s is valid until %s, %s days from now.": {
		Korean:     "%s 배지(발급: %s)는 %s까지, 앞으로 %s일 동안 유효합니다.",
		Thai:       "เหรียญตรา %s จาก %s ของคุณใช้ได้ถึง %s อีก %s วันนับจากนี้",
		Vietnamese: "huy hiệu %s của bạn do %s cấp có hiệu lực đến %s, còn %s ngày nữa.",
		Indonesian: "lencana %s Anda dari %s berlaku hingga %s, %s hari dari sekarang.",
		Malay:      "lencana %s anda daripada %s sah sehingga %s, %s hari dari sekarang.",
		Filipino:   "ang badge mong %s mula sa %s ay may bisa hanggang %s, %s araw mula ngayon."},
	"See it here: %s": {Korean: "여기에서 보기: %s", Thai: "ดูได้ที่: %s", Vietnamese: "Xem tại đây: %s", Indonesian: "Lihat di sini: %s",
		Malay: "Lihat di sini: %s", Filipino: "Tingnan dito: %s"},
	"To keep it, ask %s to renew it before then.": {Korean: "계속 유지하려면 그 전에 %s에 갱신을 요청하세요.",
		Thai: "หากต้องการเก็บไว้ โปรดขอให้ %s ต่ออายุก่อนถึงวันนั้น", Vietnamese: "Để giữ huy hiệu, hãy đề nghị %s gia hạn trước thời điểm đó.",
		Indonesian: "Agar tetap berlaku, minta %s memperbaruinya sebelum itu.", Malay: "Untuk mengekalkannya, minta %s memperbaharuinya sebelum itu.",
		Filipino: "Para mapanatili ito, hilingin sa %s na i-renew ito bago noon."},
}

var _ = merge(mailMessages)
