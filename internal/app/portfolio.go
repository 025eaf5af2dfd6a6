package app

import (
	"context"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/verify"
	"github.com/cairn-badges/cairn/wallet"
)

// newPortfolio wires the learners' portfolios: keys sealed by the
// server's keyring, badges baked as the credential pages bake them, the
// OB 2.0 documents the /ob2/ routes serve, and the server's verifier for
// the export's manifest.
func (a *App) newPortfolio(v *verify.Verifier) *wallet.Portfolio {
	return wallet.NewPortfolio(a.wallet, a.db, a.keyring, wallet.PortfolioOptions{
		Baked: a.public.BakedPNG,
		OB2: func(ctx context.Context, aw *cairn.Award) ([]wallet.OB2Document, error) {
			docs, err := a.public.OB2Documents(ctx, aw)
			out := make([]wallet.OB2Document, len(docs))
			for i, d := range docs {
				out[i] = wallet.OB2Document{Kind: d.Kind, URL: d.URL, JSON: d.JSON}
			}
			return out, err
		},
		Verify: func(ctx context.Context, credential []byte) string {
			return string(v.Verify(ctx, credential).Result)
		},
	})
}
