package store

import (
	"context"
	"database/sql"
	"errors"
)

// SealedKey is a secret sealed by the keyring, as the database holds it:
// an issuer signing key (IssuerID and Fragment set), the transparency
// log's key (LogName set), a webhook endpoint's signing secret
// (WebhookID set), the key a learner's wallet holds (LearnerID set) or
// an organization's single sign-on client secret (SSOOrgID set).
type SealedKey struct {
	ID        string // the issuer key's id; "log" for the log key; the endpoint's id
	IssuerID  string
	Fragment  string
	LogName   string
	WebhookID string
	LearnerID string
	SSOOrgID  string
	Sealed    []byte
}

// RewriteSealedKeys calls fn with every sealed private key (and webhook
// and single sign-on client secret) in the database, in one transaction whose rows are locked, and stores what fn
// returns in place of the blob; nil leaves it as it is. An error from fn
// rolls every change back. It returns how many blobs it replaced. It is
// for master key rotation (see keyring.Keyring.Reseal).
func (db *DB) RewriteSealedKeys(ctx context.Context, fn func(k *SealedKey) ([]byte, error)) (int, error) {
	var n int
	err := db.write(ctx, func(x q) error {
		n = 0
		var all []*SealedKey
		rows, err := x.query(ctx, "SELECT id, issuer_id, fragment, private_sealed FROM issuer_keys ORDER BY id"+x.d.forUpdate())
		if err != nil {
			return err
		}
		for rows.Next() {
			var k SealedKey
			if err := rows.Scan(&k.ID, &k.IssuerID, &k.Fragment, bytesCol{&k.Sealed}); err != nil {
				rows.Close()
				return mapErr(err)
			}
			all = append(all, &k)
		}
		if err := rows.Close(); err != nil {
			return mapErr(err)
		}
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		var log SealedKey
		err = x.row(ctx, "SELECT name, private_sealed FROM translog_key WHERE id = 1"+x.d.forUpdate()).Scan(&log.LogName, bytesCol{&log.Sealed})
		switch {
		case err == nil:
			log.ID = "log"
			all = append(all, &log)
		case !errors.Is(err, sql.ErrNoRows):
			return mapErr(err)
		}
		// The other sealed secrets: an id and the sealed bytes, each table
		// naming its owner in its own field of SealedKey.
		for _, t := range []struct {
			query string
			owner func(*SealedKey) *string
		}{
			{"SELECT id, secret_sealed FROM webhook_endpoints ORDER BY id", func(k *SealedKey) *string { return &k.WebhookID }},
			{"SELECT learner_id, private_sealed FROM learner_keys ORDER BY learner_id", func(k *SealedKey) *string { return &k.LearnerID }},
			{"SELECT org_id, client_secret_sealed FROM sso_configs ORDER BY org_id", func(k *SealedKey) *string { return &k.SSOOrgID }},
		} {
			ks, err := sealedRows(ctx, x, t.query)
			if err != nil {
				return err
			}
			for _, k := range ks {
				*t.owner(k) = k.ID
			}
			all = append(all, ks...)
		}
		for _, k := range all {
			if len(k.Sealed) == 0 {
				continue // a public-only key: nothing sealed
			}
			sealed, err := fn(k)
			if err != nil {
				return err
			}
			if sealed == nil {
				continue
			}
			switch {
			case k.LogName != "":
				_, err = x.exec(ctx, "UPDATE translog_key SET private_sealed = ? WHERE id = 1", sealed)
			case k.WebhookID != "":
				_, err = x.exec(ctx, "UPDATE webhook_endpoints SET secret_sealed = ? WHERE id = ?", sealed, k.WebhookID)
			case k.LearnerID != "":
				_, err = x.exec(ctx, "UPDATE learner_keys SET private_sealed = ? WHERE learner_id = ?", sealed, k.LearnerID)
			case k.SSOOrgID != "":
				_, err = x.exec(ctx, "UPDATE sso_configs SET client_secret_sealed = ? WHERE org_id = ?", sealed, k.SSOOrgID)
			default:
				_, err = x.exec(ctx, "UPDATE issuer_keys SET private_sealed = ? WHERE id = ?", sealed, k.ID)
			}
			if err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// sealedRows reads (id, sealed) rows, locked for the rotation's
// transaction.
func sealedRows(ctx context.Context, x q, query string) ([]*SealedKey, error) {
	rows, err := x.query(ctx, query+x.d.forUpdate())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*SealedKey
	for rows.Next() {
		var k SealedKey
		if err := rows.Scan(&k.ID, bytesCol{&k.Sealed}); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, &k)
	}
	return out, mapErr(rows.Err())
}
