package issuing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/did"
	"github.com/cairn-badges/cairn/keys"
	"github.com/cairn-badges/cairn/ob"
)

// Limits on issuer and achievement fields.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 10_000
	MaxURLLen         = 2_000
)

// IssuerInput is what a caller gives to create or update an issuer profile.
type IssuerInput struct {
	Name        string `json:"name"`
	URL         string `json:"url,omitempty"`
	Email       string `json:"email,omitempty"`
	Description string `json:"description,omitempty"`
	ImageID     string `json:"imageId,omitempty"`
	Phone       string `json:"phone,omitempty"`
	// LinkedInOrganizationID is the issuer's LinkedIn company id: the
	// digits of linkedin.com/company/ID/admin, or the page's URL.
	LinkedInOrganizationID string         `json:"linkedinOrganizationId,omitempty"`
	Address                *cairn.Address `json:"address,omitempty"`
}

// Limits of an issuer's contact fields.
const (
	MaxPhoneLen        = 40
	MaxAddressPartLen  = 200
	maxLinkedInIDDigit = 15
)

// linkedInCompany matches the company id in what a user copies from
// LinkedIn: the digits alone or an admin URL that holds them.
var linkedInCompany = regexp.MustCompile(`^(?:https?://(?:www\.)?linkedin\.com/company/)?([0-9]{1,15})(?:/.*)?$`)

// normalizeContact checks and tidies the phone, LinkedIn id and address.
func (in *IssuerInput) normalizeContact() error {
	in.Phone = strings.TrimSpace(in.Phone)
	if err := checkText("phone", in.Phone, 0, MaxPhoneLen); err != nil {
		return err
	}
	for _, r := range in.Phone {
		if !strings.ContainsRune("0123456789+-() ./", r) {
			return cairn.Invalidf("phone", "may hold only digits, spaces and + - ( ) . /; got %q", r)
		}
	}
	if id := strings.TrimSpace(in.LinkedInOrganizationID); id != "" {
		m := linkedInCompany.FindStringSubmatch(id)
		if m == nil {
			return cairn.Invalidf("linkedinOrganizationId", "is the number in your LinkedIn page's admin address (linkedin.com/company/NUMBER/admin), not %q", id)
		}
		in.LinkedInOrganizationID = m[1]
	} else {
		in.LinkedInOrganizationID = ""
	}
	if in.Address == nil {
		return nil
	}
	a := in.Address
	for _, f := range []struct {
		name string
		v    *string
	}{{"address.streetAddress", &a.Street}, {"address.addressLocality", &a.Locality}, {"address.addressRegion", &a.Region},
		{"address.postalCode", &a.PostalCode}, {"address.addressCountry", &a.Country}, {"address.addressCountryCode", &a.CountryCode}} {
		*f.v = strings.TrimSpace(*f.v)
		if err := checkText(f.name, *f.v, 0, MaxAddressPartLen); err != nil {
			return err
		}
	}
	if a.CountryCode != "" {
		a.CountryCode = strings.ToUpper(a.CountryCode)
		if len(a.CountryCode) != 2 || a.CountryCode[0] < 'A' || a.CountryCode[0] > 'Z' || a.CountryCode[1] < 'A' || a.CountryCode[1] > 'Z' {
			return cairn.Invalidf("address.addressCountryCode", "is a two-letter ISO 3166 country code such as TH or KR, not %q", a.CountryCode)
		}
	}
	if a.IsZero() {
		in.Address = nil
	}
	return nil
}

// apply copies the input into an issuer profile.
func (in *IssuerInput) apply(is *cairn.Issuer) {
	is.Name, is.URL, is.Email, is.Description, is.ImageID = in.Name, in.URL, in.Email, in.Description, in.ImageID
	is.Phone, is.LinkedInOrgID, is.Address = in.Phone, in.LinkedInOrganizationID, cairn.Address{}
	if in.Address != nil {
		is.Address = *in.Address
	}
}

// InputOf is the input that would leave an issuer profile as it is.
func InputOf(is *cairn.Issuer) IssuerInput {
	in := IssuerInput{Name: is.Name, URL: is.URL, Email: is.Email, Description: is.Description, ImageID: is.ImageID,
		Phone: is.Phone, LinkedInOrganizationID: is.LinkedInOrgID}
	if !is.Address.IsZero() {
		a := is.Address
		in.Address = &a
	}
	return in
}

func (in *IssuerInput) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	if err := checkText("name", in.Name, 1, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("description", in.Description, 0, MaxDescriptionLen); err != nil {
		return err
	}
	if in.URL != "" {
		if err := checkURL("url", in.URL); err != nil {
			return err
		}
	}
	if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			return cairn.Invalidf("email", "%q is not an email address", in.Email)
		}
	}
	return in.normalizeContact()
}

// The keys every issuer gets: Ed25519 for Data Integrity (eddsa-rdfc-2022)
// and P-256 for VC-JWT (ES256, which the 1EdTech validator accepts).
var issuerKeyTypes = []keys.Type{keys.Ed25519, keys.P256}

// CreateIssuer creates an issuer profile with fresh signing keys. Errors:
// Invalid, NotFound (image), Unavailable.
func (s *Service) CreateIssuer(ctx context.Context, orgID string, in IssuerInput) (*cairn.Issuer, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if in.ImageID != "" {
		if _, err := s.store.Image(ctx, orgID, in.ImageID); err != nil {
			return nil, fieldErr("imageId", err)
		}
	}
	is := &cairn.Issuer{OrgID: orgID}
	in.apply(is)
	if err := s.store.CreateIssuer(ctx, is); err != nil {
		return nil, err
	}
	for _, t := range issuerKeyTypes {
		if err := s.addKey(ctx, is, t, false); err != nil {
			return nil, err
		}
	}
	return is, nil
}

// UpdateIssuer changes an issuer's profile. Credentials already issued keep
// the profile they were signed with. Errors: Invalid, NotFound.
func (s *Service) UpdateIssuer(ctx context.Context, orgID, id string, in IssuerInput) (*cairn.Issuer, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	is, err := s.store.Issuer(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if in.ImageID != "" && in.ImageID != is.ImageID {
		if _, err := s.store.Image(ctx, orgID, in.ImageID); err != nil {
			return nil, fieldErr("imageId", err)
		}
	}
	in.apply(is)
	if err := s.store.UpdateIssuer(ctx, is); err != nil {
		return nil, err
	}
	return is, nil
}

// RotateIssuerKeys gives an issuer new signing keys and retires the old
// ones: they sign nothing more but stay in the DID document, so everything
// they signed still verifies. Errors: NotFound, Unavailable.
func (s *Service) RotateIssuerKeys(ctx context.Context, orgID, issuerID string) error {
	is, err := s.store.Issuer(ctx, orgID, issuerID)
	if err != nil {
		return err
	}
	for _, t := range issuerKeyTypes {
		if err := s.addKey(ctx, is, t, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) addKey(ctx context.Context, is *cairn.Issuer, t keys.Type, retireOthers bool) error {
	var rnd [6]byte
	rand.Read(rnd[:])
	frag := string(t) + "-" + hex.EncodeToString(rnd[:])
	k := &cairn.IssuerKey{IssuerID: is.ID, Type: string(t), Fragment: frag}
	// The sealed key is bound to its issuer and fragment, so a blob cannot be
	// moved to another row and used there.
	sealed, pub, _, err := s.keyring.Generate(t, keyAAD(is.ID, frag))
	if err != nil {
		return cairn.Wrapf(cairn.Internal, err, "generating an issuer key")
	}
	k.PrivateSealed, k.PublicJWK = sealed, pub
	return s.store.AddIssuerKey(ctx, is.OrgID, k, retireOthers)
}

func keyAAD(issuerID, fragment string) []byte {
	return []byte("issuer-key:" + issuerID + "#" + fragment)
}

// IssuerKeyAAD is the associated data an issuer's key is sealed with (see
// package keyring): it binds the blob to its issuer and fragment. Master
// key rotation needs it to re-seal the blob.
func IssuerKeyAAD(issuerID, fragment string) []byte { return keyAAD(issuerID, fragment) }

// issuerSigner is an issuer's current key of one type, ready to sign.
type issuerSigner struct {
	signer keys.Signer
	vm     string // verification method id: DID#fragment
}

// signerFor returns the issuer's current (not retired) key of type t. An
// issuer without one (its creation stopped between the issuer and its keys,
// which are separate transactions) gets one now, so it can always sign.
func (s *Service) signerFor(ctx context.Context, is *cairn.Issuer, t keys.Type) (*issuerSigner, error) {
	sg, err := s.currentSigner(ctx, is, t)
	if err == nil || cairn.KindOf(err) != cairn.NotFound {
		return sg, err
	}
	if err := s.addKey(ctx, is, t, false); err != nil {
		return nil, err
	}
	return s.currentSigner(ctx, is, t)
}

func (s *Service) currentSigner(ctx context.Context, is *cairn.Issuer, t keys.Type) (*issuerSigner, error) {
	ks, err := s.store.IssuerKeys(ctx, is.ID)
	if err != nil {
		return nil, err
	}
	for i := len(ks) - 1; i >= 0; i-- {
		k := ks[i]
		if k.RetiredAt != nil || k.Type != string(t) {
			continue
		}
		signer, err := s.keyring.NewSigner(k.PrivateSealed, keyAAD(is.ID, k.Fragment))
		if err != nil {
			return nil, cairn.Wrapf(cairn.Internal, err, "opening the issuer's key")
		}
		return &issuerSigner{signer: signer, vm: s.IssuerDID(is) + "#" + k.Fragment}, nil
	}
	return nil, cairn.Errorf(cairn.NotFound, "issuer %s has no current %s key", is.ID, t)
}

// DIDDocument returns the did:web document of an issuer, with every key it
// ever had (retired keys still verify what they signed), all listed under
// assertionMethod. Errors: NotFound.
func (s *Service) DIDDocument(ctx context.Context, issuerID string) (*did.Document, error) {
	is, err := s.store.PublicIssuer(ctx, issuerID)
	if err != nil {
		return nil, err
	}
	ks, err := s.store.IssuerKeys(ctx, is.ID)
	if err != nil {
		return nil, err
	}
	var wk []did.WebKey
	for _, k := range ks {
		var jwk map[string]any
		if err := json.Unmarshal(k.PublicJWK, &jwk); err != nil {
			return nil, cairn.Wrapf(cairn.Internal, err, "issuer key %s", k.ID)
		}
		pub, err := keys.ParsePublicJWK(jwk)
		if err != nil {
			return nil, cairn.Wrapf(cairn.Internal, err, "issuer key %s", k.ID)
		}
		wk = append(wk, did.WebKey{Fragment: k.Fragment, Public: pub})
	}
	doc, err := did.NewWebDocument(s.IssuerDID(is), wk)
	if err != nil {
		return nil, cairn.Wrapf(cairn.Internal, err, "DID document of issuer %s", is.ID)
	}
	return doc, nil
}

// Profile returns the OB 3.0 Profile of an issuer as credentials carry it:
// its id is the issuer's DID (the controller of its keys), its url the
// profile page.
func (s *Service) Profile(is *cairn.Issuer) ob.Profile {
	p := ob.NewProfile(s.IssuerDID(is), is.Name)
	p.URL = is.URL
	if p.URL == "" {
		p.URL = s.IssuerURL(is.ID)
	}
	p.Email = is.Email
	p.Description = is.Description
	if is.ImageID != "" {
		p.Image = &ob.Image{ID: s.ImageURL(is.ImageID), Type: "Image"}
	}
	return p
}

// PublicProfile is the issuer's Profile as its profile URL serves it: the
// profile credentials carry, with the contact details they leave out to
// stay small (phone and postal address).
func (s *Service) PublicProfile(is *cairn.Issuer) ob.Profile {
	p := s.Profile(is)
	p.Phone = is.Phone
	if a := is.Address; !a.IsZero() {
		p.Address = &ob.Address{Type: ob.List[string]{"Address"}, StreetAddress: a.Street, AddressLocality: a.Locality,
			AddressRegion: a.Region, PostalCode: a.PostalCode, AddressCountry: a.Country, AddressCountryCode: a.CountryCode}
	}
	return p
}

// checkText checks a text field's length in bytes and that it is valid UTF-8
// without control characters other than newlines and tabs.
func checkText(field, v string, min, max int) error {
	if len(v) < min {
		if min == 1 {
			return cairn.Invalidf(field, "is required")
		}
		return cairn.Invalidf(field, "must be at least %d characters", min)
	}
	if len(v) > max {
		return cairn.Invalidf(field, "is %d bytes long; the limit is %d", len(v), max)
	}
	if !utf8.ValidString(v) {
		return cairn.Invalidf(field, "is not valid UTF-8")
	}
	for _, r := range v {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f {
			return cairn.Invalidf(field, "contains a control character (U+%04X)", r)
		}
	}
	return nil
}

// checkURL checks an absolute http(s) URL that a credential can hold (see
// checkIRI).
func checkURL(field, v string) error {
	if err := checkIRI(field, v); err != nil {
		return err
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return cairn.Invalidf(field, "%q is not an absolute http(s) URL", v)
	}
	return nil
}

// fieldErr names field in a NotFound error about a referenced object,
// turning it into Invalid: the request points at something that is not there.
func fieldErr(field string, err error) error {
	if cairn.KindOf(err) == cairn.NotFound {
		return cairn.Invalidf(field, "no such %s in this organization", strings.TrimSuffix(field, "Id"))
	}
	return err
}
