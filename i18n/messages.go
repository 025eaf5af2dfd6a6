package i18n

import "fmt"

// dict holds the translations, keyed by the English text. A key is a
// fmt format where the page passes arguments. Every key has every
// language: TestCatalogComplete fails otherwise. Other files of the
// package add their parts (the staff console's, the wallet's) with
// `var _ = merge(part)`.
var dict = map[string]map[Lang]string{
	// The public pages' frame.
	"Verifiable Open Badges 3.0": {Korean: "검증 가능한 오픈 배지 3.0", Thai: "Open Badges 3.0 ที่ตรวจสอบได้", Vietnamese: "Open Badges 3.0 có thể xác minh",
		Indonesian: "Open Badges 3.0 yang dapat diverifikasi", Malay: "Open Badges 3.0 yang boleh disahkan", Filipino: "Mapapatunayang Open Badges 3.0"},
	"Staff sign-in": {Korean: "직원 로그인", Thai: "เข้าสู่ระบบเจ้าหน้าที่", Vietnamese: "Nhân viên đăng nhập", Indonesian: "Masuk staf", Malay: "Log masuk kakitangan", Filipino: "Pag-sign in ng kawani"},
	"My badges":     {Korean: "내 배지", Thai: "เหรียญตราของฉัน", Vietnamese: "Huy hiệu của tôi", Indonesian: "Lencana saya", Malay: "Lencana saya", Filipino: "Aking mga badge"},
	"Languages":     {Korean: "언어", Thai: "ภาษา", Vietnamese: "Ngôn ngữ", Indonesian: "Bahasa", Malay: "Bahasa", Filipino: "Mga wika"},
	"Open Badges 3.0 credential served by Cairn.": {Korean: "Cairn이 제공하는 Open Badges 3.0 자격 증명입니다.", Thai: "ข้อมูลรับรอง Open Badges 3.0 ให้บริการโดย Cairn",
		Vietnamese: "Chứng chỉ Open Badges 3.0 do Cairn cung cấp.", Indonesian: "Kredensial Open Badges 3.0 disajikan oleh Cairn.",
		Malay: "Kelayakan Open Badges 3.0 disediakan oleh Cairn.", Filipino: "Kredensyal na Open Badges 3.0 na inihahatid ng Cairn."},
	"Verify another badge": {Korean: "다른 배지 검증하기", Thai: "ตรวจสอบเหรียญตราอื่น", Vietnamese: "Xác minh huy hiệu khác", Indonesian: "Verifikasi lencana lain", Malay: "Sahkan lencana lain", Filipino: "Patunayan ang ibang badge"},

	// Issuer page.
	"Issuer":         {Korean: "발급 기관", Thai: "ผู้ออก", Vietnamese: "Đơn vị cấp", Indonesian: "Penerbit", Malay: "Pengeluar", Filipino: "Nag-isyu"},
	"Website":        {Korean: "웹사이트", Thai: "เว็บไซต์", Vietnamese: "Trang web", Indonesian: "Situs web", Malay: "Laman web", Filipino: "Website"},
	"Email":          {Korean: "이메일", Thai: "อีเมล", Vietnamese: "Email", Indonesian: "Email", Malay: "E-mel", Filipino: "Email"},
	"Phone":          {Korean: "전화", Thai: "โทรศัพท์", Vietnamese: "Điện thoại", Indonesian: "Telepon", Malay: "Telefon", Filipino: "Telepono"},
	"Address":        {Korean: "주소", Thai: "ที่อยู่", Vietnamese: "Địa chỉ", Indonesian: "Alamat", Malay: "Alamat", Filipino: "Address"},
	"LinkedIn":       {Korean: "LinkedIn", Thai: "LinkedIn", Vietnamese: "LinkedIn", Indonesian: "LinkedIn", Malay: "LinkedIn", Filipino: "LinkedIn"},
	"%s on LinkedIn": {Korean: "LinkedIn의 %s", Thai: "%s บน LinkedIn", Vietnamese: "%s trên LinkedIn", Indonesian: "%s di LinkedIn", Malay: "%s di LinkedIn", Filipino: "%s sa LinkedIn"},
	"Badges and credentials offered": {Korean: "제공하는 배지와 자격 증명", Thai: "เหรียญตราและข้อมูลรับรองที่มอบให้", Vietnamese: "Huy hiệu và chứng chỉ được cấp",
		Indonesian: "Lencana dan kredensial yang ditawarkan", Malay: "Lencana dan kelayakan yang ditawarkan", Filipino: "Mga badge at kredensyal na iniaalok"},
	"%s offers no badges yet.": {Korean: "%s은(는) 아직 배지를 제공하지 않습니다.", Thai: "%s ยังไม่มีเหรียญตรา", Vietnamese: "%s chưa cấp huy hiệu nào.",
		Indonesian: "%s belum menawarkan lencana.", Malay: "%s belum menawarkan lencana.", Filipino: "Wala pang iniaalok na badge ang %s."},
	"1 holder":   {Korean: "보유자 1명", Thai: "ผู้ถือ 1 คน", Vietnamese: "1 người sở hữu", Indonesian: "1 pemegang", Malay: "1 pemegang", Filipino: "1 may hawak"},
	"%d holders": {Korean: "보유자 %d명", Thai: "ผู้ถือ %d คน", Vietnamese: "%d người sở hữu", Indonesian: "%d pemegang", Malay: "%d pemegang", Filipino: "%d may hawak"},
	"How credentials from %s are verified": {Korean: "%s의 자격 증명을 검증하는 방법", Thai: "วิธีตรวจสอบข้อมูลรับรองจาก %s", Vietnamese: "Cách xác minh chứng chỉ của %s",
		Indonesian: "Cara kredensial dari %s diverifikasi", Malay: "Cara kelayakan daripada %s disahkan", Filipino: "Paano pinapatunayan ang mga kredensyal mula sa %s"},
	"Every credential %s issues here is signed with one of the keys below. The keys are published in the issuer's DID document, so anyone can check a credential without asking us.": {
		Korean:     "%s이(가) 여기서 발급하는 모든 자격 증명은 아래 키 중 하나로 서명됩니다. 키는 발급 기관의 DID 문서에 공개되어 있어 누구나 저희에게 묻지 않고 자격 증명을 확인할 수 있습니다.",
		Thai:       "ข้อมูลรับรองทุกรายการที่ %s ออกที่นี่ลงนามด้วยกุญแจด้านล่าง กุญแจเผยแพร่ในเอกสาร DID ของผู้ออก ทุกคนจึงตรวจสอบได้โดยไม่ต้องถามเรา",
		Vietnamese: "Mọi chứng chỉ %s cấp tại đây đều được ký bằng một trong các khóa dưới đây. Các khóa được công bố trong tài liệu DID của đơn vị cấp, nên ai cũng có thể kiểm tra mà không cần hỏi chúng tôi.",
		Indonesian: "Setiap kredensial yang diterbitkan %s di sini ditandatangani dengan salah satu kunci di bawah. Kunci-kunci itu diterbitkan dalam dokumen DID penerbit, sehingga siapa pun dapat memeriksa kredensial tanpa bertanya kepada kami.",
		Malay:      "Setiap kelayakan yang dikeluarkan %s di sini ditandatangani dengan salah satu kunci di bawah. Kunci-kunci itu diterbitkan dalam dokumen DID pengeluar, jadi sesiapa pun boleh menyemak kelayakan tanpa bertanya kepada kami.",
		Filipino:   "Bawat kredensyal na iniisyu ng %s dito ay nilagdaan ng isa sa mga susi sa ibaba. Nakalathala ang mga susi sa DID document ng nag-isyu, kaya kahit sino ay makapagsusuri nang hindi nagtatanong sa amin."},
	"Identifier (DID)": {Korean: "식별자(DID)", Thai: "ตัวระบุ (DID)", Vietnamese: "Mã định danh (DID)", Indonesian: "Pengenal (DID)", Malay: "Pengecam (DID)", Filipino: "Identifier (DID)"},
	"DID document":     {Korean: "DID 문서", Thai: "เอกสาร DID", Vietnamese: "Tài liệu DID", Indonesian: "Dokumen DID", Malay: "Dokumen DID", Filipino: "DID document"},
	"since %s":         {Korean: "%s부터", Thai: "ตั้งแต่ %s", Vietnamese: "từ %s", Indonesian: "sejak %s", Malay: "sejak %s", Filipino: "mula %s"},
	"retired %s":       {Korean: "%s 폐기", Thai: "เลิกใช้ %s", Vietnamese: "ngừng dùng %s", Indonesian: "dipensiunkan %s", Malay: "ditamatkan %s", Filipino: "itinigil %s"},
	"Retired keys sign nothing new but still verify what they signed.": {Korean: "폐기된 키는 새로 서명하지 않지만 이미 서명한 것은 계속 검증됩니다.",
		Thai: "กุญแจที่เลิกใช้แล้วไม่ลงนามสิ่งใหม่ แต่ยังใช้ตรวจสอบสิ่งที่เคยลงนามได้", Vietnamese: "Khóa đã ngừng dùng không ký thêm gì mới nhưng vẫn xác minh những gì đã ký.",
		Indonesian: "Kunci yang dipensiunkan tidak menandatangani hal baru, tetapi tetap memverifikasi yang sudah ditandatanganinya.",
		Malay:      "Kunci yang ditamatkan tidak menandatangani apa-apa yang baharu tetapi masih mengesahkan apa yang telah ditandatanganinya.",
		Filipino:   "Hindi na lumalagda ng bago ang mga itinigil na susi, pero napapatunayan pa rin ang mga nilagdaan nila."},

	// Achievement page.
	"%s, by %s":      {Korean: "%s, %s", Thai: "%s โดย %s", Vietnamese: "%s, của %s", Indonesian: "%s, oleh %s", Malay: "%s, oleh %s", Filipino: "%s, ng %s"},
	"Offered by":     {Korean: "제공 기관:", Thai: "มอบโดย", Vietnamese: "Cấp bởi", Indonesian: "Ditawarkan oleh", Malay: "Ditawarkan oleh", Filipino: "Iniaalok ng"},
	"%s badge":       {Korean: "%s 배지", Thai: "เหรียญตรา %s", Vietnamese: "Huy hiệu %s", Indonesian: "Lencana %s", Malay: "Lencana %s", Filipino: "Badge na %s"},
	"Held by":        {Korean: "보유자", Thai: "ผู้ถือ", Vietnamese: "Người sở hữu", Indonesian: "Dimiliki oleh", Malay: "Dimiliki oleh", Filipino: "Hawak ng"},
	"no one yet":     {Korean: "아직 없음", Thai: "ยังไม่มี", Vietnamese: "chưa có ai", Indonesian: "belum ada", Malay: "belum ada", Filipino: "wala pa"},
	"1 person":       {Korean: "1명", Thai: "1 คน", Vietnamese: "1 người", Indonesian: "1 orang", Malay: "1 orang", Filipino: "1 tao"},
	"%d people":      {Korean: "%d명", Thai: "%d คน", Vietnamese: "%d người", Indonesian: "%d orang", Malay: "%d orang", Filipino: "%d tao"},
	"Credits":        {Korean: "학점", Thai: "หน่วยกิต", Vietnamese: "Tín chỉ", Indonesian: "Kredit", Malay: "Kredit", Filipino: "Mga credit"},
	"Field of study": {Korean: "학문 분야", Thai: "สาขาวิชา", Vietnamese: "Lĩnh vực", Indonesian: "Bidang studi", Malay: "Bidang pengajian", Filipino: "Larangan ng pag-aaral"},
	"Language":       {Korean: "언어", Thai: "ภาษา", Vietnamese: "Ngôn ngữ", Indonesian: "Bahasa", Malay: "Bahasa", Filipino: "Wika"},
	"Version":        {Korean: "버전", Thai: "รุ่น", Vietnamese: "Phiên bản", Indonesian: "Versi", Malay: "Versi", Filipino: "Bersyon"},
	"Valid for":      {Korean: "유효 기간", Thai: "อายุการใช้งาน", Vietnamese: "Hiệu lực", Indonesian: "Berlaku selama", Malay: "Sah selama", Filipino: "May bisa nang"},
	"%d months after it is awarded": {Korean: "수여 후 %d개월", Thai: "%d เดือนหลังได้รับ", Vietnamese: "%d tháng sau khi được cấp", Indonesian: "%d bulan setelah diberikan",
		Malay: "%d bulan selepas dianugerahkan", Filipino: "%d buwan matapos igawad"},
	"Tags":           {Korean: "태그", Thai: "แท็ก", Vietnamese: "Thẻ", Indonesian: "Tag", Malay: "Tag", Filipino: "Mga tag"},
	"Achievement id": {Korean: "성취 ID", Thai: "รหัสความสำเร็จ", Vietnamese: "Mã thành tích", Indonesian: "ID pencapaian", Malay: "ID pencapaian", Filipino: "ID ng tagumpay"},
	"How to earn it": {Korean: "취득 방법", Thai: "วิธีได้รับ", Vietnamese: "Cách đạt được", Indonesian: "Cara memperolehnya", Malay: "Cara memperolehnya", Filipino: "Paano ito makukuha"},
	"The issuer has not described the criteria here.": {Korean: "발급 기관이 여기에 기준을 설명하지 않았습니다.", Thai: "ผู้ออกยังไม่ได้อธิบายเกณฑ์ไว้ที่นี่",
		Vietnamese: "Đơn vị cấp chưa mô tả tiêu chí tại đây.", Indonesian: "Penerbit belum menjelaskan kriterianya di sini.", Malay: "Pengeluar belum menerangkan kriterianya di sini.",
		Filipino: "Hindi pa inilarawan ng nag-isyu ang pamantayan dito."},
	"Full criteria":                    {Korean: "전체 기준", Thai: "เกณฑ์ฉบับเต็ม", Vietnamese: "Tiêu chí đầy đủ", Indonesian: "Kriteria lengkap", Malay: "Kriteria penuh", Filipino: "Buong pamantayan"},
	"Skills and alignments":            {Korean: "역량과 연계", Thai: "ทักษะและการเชื่อมโยง", Vietnamese: "Kỹ năng và liên kết", Indonesian: "Keterampilan dan keselarasan", Malay: "Kemahiran dan penjajaran", Filipino: "Mga kasanayan at pagkakahanay"},
	"Counts toward":                    {Korean: "다음에 반영됩니다", Thai: "นับรวมใน", Vietnamese: "Được tính vào", Indonesian: "Dihitung untuk", Malay: "Dikira untuk", Filipino: "Bilang sa"},
	"earns %s":                         {Korean: "%s 취득", Thai: "ได้รับ %s", Vietnamese: "đạt %s", Indonesian: "memperoleh %s", Malay: "memperoleh %s", Filipino: "makukuha ang %s"},
	"Evidence to submit":               {Korean: "제출할 증빙", Thai: "หลักฐานที่ต้องส่ง", Vietnamese: "Minh chứng cần nộp", Indonesian: "Bukti yang diserahkan", Malay: "Bukti yang perlu diserahkan", Filipino: "Mga patunay na isusumite"},
	"a file":                           {Korean: "파일", Thai: "ไฟล์", Vietnamese: "một tệp", Indonesian: "sebuah berkas", Malay: "satu fail", Filipino: "isang file"},
	"a link":                           {Korean: "링크", Thai: "ลิงก์", Vietnamese: "một liên kết", Indonesian: "sebuah tautan", Malay: "satu pautan", Filipino: "isang link"},
	"a text":                           {Korean: "텍스트", Thai: "ข้อความ", Vietnamese: "một đoạn văn bản", Indonesian: "sebuah teks", Malay: "satu teks", Filipino: "isang teksto"},
	"required":                         {Korean: "필수", Thai: "จำเป็น", Vietnamese: "bắt buộc", Indonesian: "wajib", Malay: "wajib", Filipino: "kailangan"},
	"optional":                         {Korean: "선택", Thai: "ไม่บังคับ", Vietnamese: "không bắt buộc", Indonesian: "opsional", Malay: "pilihan", Filipino: "opsyonal"},
	"Endorsements":                     {Korean: "보증", Thai: "การรับรอง", Vietnamese: "Chứng thực", Indonesian: "Dukungan", Malay: "Pengendorsan", Filipino: "Mga pag-endorso"},
	"Endorsed by":                      {Korean: "보증한 곳:", Thai: "รับรองโดย", Vietnamese: "Được chứng thực bởi", Indonesian: "Didukung oleh", Malay: "Diendorskan oleh", Filipino: "Inendorso ng"},
	"Signed endorsement":               {Korean: "서명된 보증", Thai: "การรับรองที่ลงนามแล้ว", Vietnamese: "Chứng thực đã ký", Indonesian: "Dukungan bertanda tangan", Malay: "Pengendorsan bertandatangan", Filipino: "Nilagdaang pag-endorso"},
	"Endorse it for your organization": {Korean: "우리 기관으로 보증하기", Thai: "รับรองในนามองค์กรของคุณ", Vietnamese: "Chứng thực thay mặt tổ chức của bạn", Indonesian: "Dukung atas nama organisasi Anda", Malay: "Endors bagi pihak organisasi anda", Filipino: "I-endorso para sa iyong organisasyon"},
	"for the staff of organizations on this site": {Korean: "이 사이트에 있는 기관의 직원용", Thai: "สำหรับเจ้าหน้าที่ขององค์กรบนเว็บไซต์นี้", Vietnamese: "dành cho nhân viên của các tổ chức trên trang này", Indonesian: "untuk staf organisasi di situs ini", Malay: "untuk kakitangan organisasi di laman ini", Filipino: "para sa mga kawani ng mga organisasyon sa site na ito"},
	"Verify":           {Korean: "검증", Thai: "ตรวจสอบ", Vietnamese: "Xác minh", Indonesian: "Verifikasi", Malay: "Sahkan", Filipino: "I-verify"},
	"Results recorded": {Korean: "기록되는 결과", Thai: "ผลที่บันทึก", Vietnamese: "Kết quả được ghi nhận", Indonesian: "Hasil yang dicatat", Malay: "Keputusan yang direkodkan", Filipino: "Mga resultang itinatala"},
	"required: %s":     {Korean: "필수: %s", Thai: "ต้องได้: %s", Vietnamese: "yêu cầu: %s", Indonesian: "wajib: %s", Malay: "wajib: %s", Filipino: "kailangan: %s"},

	// Achievement types, as pages name them.
	"Badge":                     {Korean: "배지", Thai: "เหรียญตรา", Vietnamese: "Huy hiệu", Indonesian: "Lencana", Malay: "Lencana", Filipino: "Badge"},
	"Certificate":               {Korean: "수료증", Thai: "ประกาศนียบัตร", Vietnamese: "Chứng nhận", Indonesian: "Sertifikat", Malay: "Sijil", Filipino: "Sertipiko"},
	"Micro Credential":          {Korean: "마이크로 크리덴셜", Thai: "ไมโครเครดิต", Vietnamese: "Chứng chỉ vi mô", Indonesian: "Kredensial mikro", Malay: "Kelayakan mikro", Filipino: "Micro-credential"},
	"Course":                    {Korean: "과정", Thai: "รายวิชา", Vietnamese: "Khóa học", Indonesian: "Kursus", Malay: "Kursus", Filipino: "Kurso"},
	"Competency":                {Korean: "역량", Thai: "สมรรถนะ", Vietnamese: "Năng lực", Indonesian: "Kompetensi", Malay: "Kompetensi", Filipino: "Kakayahan"},
	"Degree":                    {Korean: "학위", Thai: "ปริญญา", Vietnamese: "Bằng cấp", Indonesian: "Gelar", Malay: "Ijazah", Filipino: "Digri"},
	"Diploma":                   {Korean: "졸업장", Thai: "อนุปริญญา", Vietnamese: "Văn bằng", Indonesian: "Diploma", Malay: "Diploma", Filipino: "Diploma"},
	"Award":                     {Korean: "상", Thai: "รางวัล", Vietnamese: "Giải thưởng", Indonesian: "Penghargaan", Malay: "Anugerah", Filipino: "Gantimpala"},
	"Achievement":               {Korean: "성취", Thai: "ความสำเร็จ", Vietnamese: "Thành tích", Indonesian: "Pencapaian", Malay: "Pencapaian", Filipino: "Tagumpay"},
	"Assessment":                {Korean: "평가", Thai: "การประเมิน", Vietnamese: "Đánh giá", Indonesian: "Asesmen", Malay: "Penilaian", Filipino: "Pagtatasa"},
	"Certification":             {Korean: "자격", Thai: "การรับรอง", Vietnamese: "Chứng nhận nghề", Indonesian: "Sertifikasi", Malay: "Pensijilan", Filipino: "Sertipikasyon"},
	"Certificate Of Completion": {Korean: "이수증", Thai: "ประกาศนียบัตรการสำเร็จ", Vietnamese: "Chứng nhận hoàn thành", Indonesian: "Sertifikat penyelesaian", Malay: "Sijil tamat", Filipino: "Sertipiko ng pagkumpleto"},
	"License":                   {Korean: "면허", Thai: "ใบอนุญาต", Vietnamese: "Giấy phép", Indonesian: "Lisensi", Malay: "Lesen", Filipino: "Lisensya"},
	"Membership":                {Korean: "회원 자격", Thai: "สมาชิกภาพ", Vietnamese: "Tư cách thành viên", Indonesian: "Keanggotaan", Malay: "Keahlian", Filipino: "Pagiging kasapi"},
}

// TypeName names an achievement type (as humanType spells it) in the
// language, or returns it as given when the catalog has no name for it
// (ext: types, rare ones).
func (p *Printer) TypeName(t string) string {
	if _, ok := dict[t]; !ok {
		return t
	}
	if p == nil {
		return t
	}
	if tr, ok := dict[t][p.Lang]; ok {
		return tr
	}
	return t
}

// merge adds part to dict. A key already there must carry the same
// translations: two parts must not disagree on a message.
func merge(part map[string]map[Lang]string) bool {
	for key, tr := range part {
		if old, ok := dict[key]; ok {
			for l, s := range tr {
				if o, ok := old[l]; ok && o != s {
					panic(fmt.Sprintf("i18n: %q in %s is %q in one part and %q in another", key, l, o, s))
				}
				old[l] = s
			}
			continue
		}
		dict[key] = tr
	}
	return true
}
