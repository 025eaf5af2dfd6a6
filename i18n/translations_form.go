package i18n

// The achievement form's translations section (staff console).
var _ = merge(map[string]map[Lang]string{
	"Name and description in other languages": in6("다른 언어로 된 이름과 설명", "ชื่อและคำอธิบายในภาษาอื่น", "Tên và mô tả bằng ngôn ngữ khác",
		"Nama dan deskripsi dalam bahasa lain", "Nama dan penerangan dalam bahasa lain", "Pangalan at paglalarawan sa ibang wika"),
	"Credentials carry them, and Cairn's pages, certificates and mails show the reader's language when it is one of these. Empty a row to remove it.": in6(
		"자격 증명에 함께 담기며, 읽는 사람의 언어가 이 중 하나이면 Cairn의 페이지, 인증서, 메일이 그 언어로 보여 줍니다. 행을 비우면 삭제됩니다.",
		"ข้อมูลรับรองจะมีข้อความเหล่านี้ด้วย และหน้าเว็บ ใบรับรอง และอีเมลของ Cairn จะแสดงในภาษาของผู้อ่านเมื่อเป็นภาษาหนึ่งในนี้ ล้างแถวเพื่อลบออก",
		"Chứng chỉ sẽ mang theo chúng, và các trang, giấy chứng nhận và email của Cairn hiển thị ngôn ngữ của người đọc khi đó là một trong các ngôn ngữ này. Xóa trống một dòng để bỏ nó.",
		"Kredensial membawanya, dan halaman, sertifikat, serta email Cairn menampilkan bahasa pembaca bila termasuk salah satunya. Kosongkan baris untuk menghapusnya.",
		"Kelayakan membawanya, dan halaman, sijil serta e-mel Cairn memaparkan bahasa pembaca apabila ia salah satu daripadanya. Kosongkan baris untuk membuangnya.",
		"Dala ito ng mga kredensyal, at ipinapakita ng mga pahina, sertipiko at email ng Cairn ang wika ng mambabasa kapag isa ito sa mga ito. Alisan ng laman ang isang hilera para tanggalin ito."),
})
