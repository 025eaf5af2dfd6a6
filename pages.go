package cairn

import (
	"context"
	"time"
)

// RenderedPage is the public page of one version of an award, rendered
// ahead of its views with the verification it shows: the credential page
// is produced when an award is issued or changes state, and refreshed when
// what its verification read changes, so that a first view is a read.
type RenderedPage struct {
	AwardID string
	// AwardUpdatedAt is the UpdatedAt of the award version the page shows.
	// A page of another version is never served.
	AwardUpdatedAt time.Time
	// CredentialSHA256 is the SHA-256 of the award's CredentialJSON, a zero
	// byte and its CredentialJWT, as the page showed and verified them: a
	// credential changed behind the store's back is not shown with the
	// verification of what it was.
	CredentialSHA256 []byte
	// CheckedAt is when the verification the page shows ran.
	CheckedAt time.Time
	// Result is that verification's result: verified, failed or
	// indeterminate.
	Result string
	// HTMLGzip is the page, gzip-compressed (as served to most clients).
	HTMLGzip []byte
}

// PageStore keeps rendered credential pages, so that every replica and a
// restarted server serve what one of them rendered.
type PageStore interface {
	// PublicAwardHead returns what a public page needs to name the version
	// of an award it serves from a cache: ID, IssuerID, ValidUntil,
	// Formats, CredentialJSON, CredentialJWT, State and UpdatedAt (the
	// other fields are zero). It is PublicAward without the columns that
	// cost the most to read. It may answer from a cache, for at most a
	// second after a change another process made (a change through this
	// store shows at once), and may return the same Award to many callers:
	// it must not be modified. Errors: NotFound.
	PublicAwardHead(ctx context.Context, id string) (*Award, error)
	// RenderedPage returns the stored page of an award. Errors: NotFound.
	RenderedPage(ctx context.Context, awardID string) (*RenderedPage, error)
	// RenderedPageStamp is RenderedPage without HTMLGzip (nil): which
	// version the stored page shows and when it was checked, for a server
	// that holds a page to ask whether the store has a newer one without
	// reading the page. Errors: NotFound.
	RenderedPageStamp(ctx context.Context, awardID string) (*RenderedPage, error)
	// PutRenderedPages stores each page as its award's page, in one
	// transaction, unless the stored page shows a newer version of the
	// award, or the same version checked later (then it keeps that one).
	// Pages of awards that do not exist (any more) are skipped. Errors:
	// Invalid (a page lacks a field).
	PutRenderedPages(ctx context.Context, pages ...*RenderedPage) error
	// VerificationEpochs returns, for each issuer that has status lists or
	// keys, the last time one of them changed: a status list signed anew
	// after its bits changed, a key added or retired. A verification of the issuer's credentials
	// made before its epoch read what has changed since.
	VerificationEpochs(ctx context.Context) (map[string]time.Time, error)
}

// ChangeWatch is implemented by a PageStore that follows the changes other
// processes make to awards and their pages (*store.DB, while its Watch
// runs), so that the public pages may serve what they hold in memory
// without asking the store on each view. Its answers come from memory.
type ChangeWatch interface {
	// AwardUnchangedSince reports whether the award surely has not changed
	// since t: a change made through this store counts from its commit,
	// one made by another process from at most a second after its commit.
	// False when it may have changed, or when the store cannot tell.
	AwardUnchangedSince(id string, t time.Time) bool
	// PageUnchangedSince reports whether surely no other process stored a
	// page of the award since t (as AwardUnchangedSince).
	PageUnchangedSince(id string, t time.Time) bool
}
