package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/cairn-badges/cairn"
)

// PublicAwardHead implements cairn.PageStore. It answers from a cache of
// the heads it read in the last headTTL (see headCache): a change made
// through this DB shows at once, one made by another process within
// headTTL. The award returned may be shared with other callers: it must
// not be modified.
func (db *DB) PublicAwardHead(ctx context.Context, id string) (*cairn.Award, error) {
	now := time.Now()
	if a := db.heads.get(id, now, db.AwardUnchangedSince); a != nil {
		return a, nil
	}
	epoch := db.heads.begin()
	a, page, err := db.publicAwardHead(ctx, id)
	if err == nil {
		db.heads.put(a, page, epoch, now)
	}
	return a, err
}

// publicAwardHead reads the head of the award and, in the same query, its
// stored page (nil when it has none): the view that reads the head of an
// award not viewed in the last second is often a first view, which asks
// for the page next (RenderedPage answers from the head cache).
func (db *DB) publicAwardHead(ctx context.Context, id string) (*cairn.Award, *cairn.RenderedPage, error) {
	var a cairn.Award
	var p cairn.RenderedPage
	var pageID, result sql.NullString
	var pageUpdated, checked *time.Time
	err := db.views().prow(ctx, `SELECT a.id, a.issuer_id, a.valid_until, a.formats, a.credential_json, a.credential_jwt, a.state, a.updated_at,
			p.award_id, p.award_updated_at, p.credential_sha256, p.checked_at, p.result, p.html_gzip
		FROM awards a LEFT JOIN credential_pages p ON p.award_id = a.id WHERE a.id = ?`, id).
		Scan(&a.ID, &a.IssuerID, nullTimeCol{&a.ValidUntil}, formatsCol{&a.Formats}, bytesCol{&a.CredentialJSON},
			&a.CredentialJWT, &a.State, timeCol{&a.UpdatedAt},
			&pageID, nullTimeCol{&pageUpdated}, bytesCol{&p.CredentialSHA256}, nullTimeCol{&checked}, &result, bytesCol{&p.HTMLGzip})
	if err != nil {
		return nil, nil, orNotFound(err, "award")
	}
	if !pageID.Valid || pageUpdated == nil || checked == nil {
		return &a, nil, nil
	}
	p.AwardID, p.AwardUpdatedAt, p.CheckedAt, p.Result = pageID.String, *pageUpdated, *checked, result.String
	return &a, &p, nil
}

// formatsCol scans the JSON array of an award's formats: the common
// values without encoding/json, anything else with it.
type formatsCol struct{ f *[]string }

func (c formatsCol) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	}
	switch s {
	case `["di"]`:
		*c.f = []string{cairn.FormatDataIntegrity}
		return nil
	case `["di","jwt"]`:
		*c.f = []string{cairn.FormatDataIntegrity, cairn.FormatJWT}
		return nil
	case `["jwt"]`:
		*c.f = []string{cairn.FormatJWT}
		return nil
	}
	return jsonCol{c.f}.Scan(src)
}

// RenderedPage implements cairn.PageStore.
func (db *DB) RenderedPage(ctx context.Context, awardID string) (*cairn.RenderedPage, error) {
	if p, ok := db.heads.page(awardID, time.Now()); ok {
		if p == nil {
			return nil, cairn.Errorf(cairn.NotFound, "rendered page not found")
		}
		return p, nil
	}
	var p cairn.RenderedPage
	err := db.views().prow(ctx, `SELECT award_id, award_updated_at, credential_sha256, checked_at, result, html_gzip
		FROM credential_pages WHERE award_id = ?`, awardID).
		Scan(&p.AwardID, timeCol{&p.AwardUpdatedAt}, bytesCol{&p.CredentialSHA256}, timeCol{&p.CheckedAt}, &p.Result, bytesCol{&p.HTMLGzip})
	if err != nil {
		return nil, orNotFound(err, "rendered page")
	}
	return &p, nil
}

// RenderedPageStamp implements cairn.PageStore.
func (db *DB) RenderedPageStamp(ctx context.Context, awardID string) (*cairn.RenderedPage, error) {
	var p cairn.RenderedPage
	err := db.views().prow(ctx, `SELECT award_id, award_updated_at, credential_sha256, checked_at, result
		FROM credential_pages WHERE award_id = ?`, awardID).
		Scan(&p.AwardID, timeCol{&p.AwardUpdatedAt}, bytesCol{&p.CredentialSHA256}, timeCol{&p.CheckedAt}, &p.Result)
	if err != nil {
		return nil, orNotFound(err, "rendered page")
	}
	return &p, nil
}

// PutRenderedPages implements cairn.PageStore. A page of an older version
// of the award, or of the same version checked earlier, does not replace
// the stored one: renderings racing each other settle on the newest.
func (db *DB) PutRenderedPages(ctx context.Context, pages ...*cairn.RenderedPage) error {
	for _, p := range pages {
		if err := required("award_id", p.AwardID, "result", p.Result); err != nil {
			return err
		}
		if len(p.CredentialSHA256) != 32 {
			return cairn.Invalidf("credential_sha256", "is %d bytes, want 32", len(p.CredentialSHA256))
		}
		if len(p.HTMLGzip) == 0 {
			return cairn.Invalidf("html_gzip", "is empty")
		}
		if p.AwardUpdatedAt.IsZero() || p.CheckedAt.IsZero() {
			return cairn.Invalidf("award_updated_at", "and checked_at are required")
		}
	}
	if len(pages) == 0 {
		return nil
	}
	defer func() { // after the commit: see headCache
		for _, p := range pages {
			db.heads.drop(p.AwardID)
		}
	}()
	return db.write(ctx, func(x q) error {
		for _, p := range pages {
			_, err := x.exec(ctx, `INSERT INTO credential_pages (award_id, award_updated_at, credential_sha256, checked_at, result, html_gzip)
				SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM awards WHERE id = ?)
				ON CONFLICT (award_id) DO UPDATE SET award_updated_at = excluded.award_updated_at, credential_sha256 = excluded.credential_sha256,
					checked_at = excluded.checked_at, result = excluded.result, html_gzip = excluded.html_gzip
				WHERE excluded.award_updated_at > credential_pages.award_updated_at
					OR (excluded.award_updated_at = credential_pages.award_updated_at AND excluded.checked_at >= credential_pages.checked_at)`,
				p.AwardID, p.AwardUpdatedAt, p.CredentialSHA256, p.CheckedAt, p.Result, p.HTMLGzip, p.AwardID)
			if err != nil {
				return err
			}
		}
		ids := make([]string, len(pages))
		for i, p := range pages {
			ids[i] = p.AwardID
		}
		return db.recordPages(ctx, x, ids)
	})
}

// VerificationEpochs implements cairn.PageStore: per issuer, the latest of
// the times its status lists were signed after their bits changed (the
// first signature of a list does not count: it is made on the first
// verification that reads the list, which so saw it) and of its keys'
// creation and retirement times, and of its profile's last change (the
// page shows the profile's LinkedIn id). The tables are small (a status list holds 131,072 entries; an
// issuer has a few keys), so the server polls this every few seconds.
func (db *DB) VerificationEpochs(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.read().query(ctx, `SELECT issuer_id, MAX(t) FROM (
			SELECT issuer_id, signed_at AS t FROM status_lists WHERE signed_at IS NOT NULL AND signed_version > 1
			UNION ALL SELECT issuer_id, created_at AS t FROM issuer_keys
			UNION ALL SELECT issuer_id, retired_at AS t FROM issuer_keys WHERE retired_at IS NOT NULL
			UNION ALL SELECT id AS issuer_id, updated_at AS t FROM issuers WHERE updated_at > created_at
		) e GROUP BY issuer_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]time.Time)
	for rows.Next() {
		var id string
		var t time.Time
		if err := rows.Scan(&id, timeCol{&t}); err != nil {
			return nil, mapErr(err)
		}
		out[id] = t
	}
	return out, mapErr(rows.Err())
}

var _ cairn.PageStore = (*DB)(nil)
