package webui

import "github.com/cairn-badges/cairn/wallet"

// WithImports lets the wallet pages import credentials with im.
func (h *Handler) WithImports(im *wallet.Importer) *Handler {
	h.imports = im
	return h
}
