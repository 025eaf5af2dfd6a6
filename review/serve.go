package review

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/cairn-badges/cairn/store"
)

// ServeFile writes an evidence file safely: its sniffed type,
// nosniff, no script (CSP sandbox), and as an attachment unless it is an
// image.
func ServeFile(w http.ResponseWriter, f *store.ApplicationFile) {
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Length", strconv.FormatInt(int64(len(f.Data)), 10))
	disp := "attachment"
	if Inline(f.ContentType) {
		disp = "inline"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": f.Name}))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.Data)
}
