package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/cairn-badges/cairn"
	"github.com/cairn-badges/cairn/badgeimg"
)

// imageView describes a stored image.
type imageView struct {
	ID          string    `json:"id"`
	ContentType string    `json:"contentType"`
	SHA256      string    `json:"sha256"`
	Size        int       `json:"size"`
	Width       float64   `json:"width,omitempty"`
	Height      float64   `json:"height,omitempty"`
	URL         string    `json:"url"`
	Warnings    []string  `json:"warnings,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
}

// uploadImage stores a PNG or SVG sent as the raw body (Content-Type
// image/png or image/svg+xml) or as the multipart/form-data field "file".
// SVGs are stored sanitized.
func (s *Server) uploadImage(w http.ResponseWriter, r *http.Request, c *caller) error {
	data, ctype, err := readImage(r)
	if err != nil {
		return err
	}
	img, err := badgeimg.Validate(data, ctype)
	if err != nil {
		return imageError(err)
	}
	return s.storeImage(w, r, c, img)
}

// imageError maps badgeimg's errors: too large is 413, anything else is
// an image that cannot be accepted (422), naming the field "file".
func imageError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "badgeimg: ")
	if errors.Is(err, badgeimg.ErrTooLarge) {
		return &requestError{status: http.StatusRequestEntityTooLarge, field: "file", detail: msg}
	}
	if errors.Is(err, badgeimg.ErrInvalidImage) || errors.Is(err, badgeimg.ErrUnsupported) {
		return cairn.Invalidf("file", "%s", msg)
	}
	return err
}

var imageTypes = []string{"image/png", "image/svg+xml"}

// readImage returns the uploaded bytes and their declared media type.
func readImage(r *http.Request) ([]byte, string, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := checkContentType(r, append(imageTypes, "multipart/form-data")...); err != nil {
			return nil, "", err
		}
		data, err := readBody(r, MaxImageBody)
		if err != nil {
			return nil, "", err
		}
		if len(data) == 0 {
			return nil, "", badRequest("", "the request body is empty; send a PNG or SVG image")
		}
		return data, mt, nil
	}
	if r.MultipartForm != nil { // already parsed (the CSRF check reads the form)
		f, fh, err := r.FormFile("file")
		if err != nil {
			return nil, "", badRequest("file", "the multipart form has no file field")
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, MaxImageBody+1))
		if err != nil {
			return nil, "", badRequest("file", "the upload could not be read: %v", err)
		}
		if len(data) > MaxImageBody {
			return nil, "", tooLarge(MaxImageBody)
		}
		return data, partType(fh.Header.Get("Content-Type")), nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", badRequest("Content-Type", "malformed multipart request: %v", err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", badRequest("file", "the multipart form has no file field")
		}
		if err != nil {
			if isMaxBytes(err) {
				return nil, "", tooLarge(MaxImageBody)
			}
			return nil, "", badRequest("", "malformed multipart body: %v", err)
		}
		if p.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(p, MaxImageBody+1))
		if err != nil {
			if isMaxBytes(err) {
				return nil, "", tooLarge(MaxImageBody)
			}
			return nil, "", badRequest("file", "the upload could not be read: %v", err)
		}
		if len(data) > MaxImageBody {
			return nil, "", tooLarge(MaxImageBody)
		}
		if len(data) == 0 {
			return nil, "", badRequest("file", "the file is empty")
		}
		return data, partType(p.Header.Get("Content-Type")), nil
	}
}

// partType is the declared type of a multipart file: browsers send
// application/octet-stream for files they do not know, which lets
// badgeimg detect the format.
func partType(ct string) string {
	if ct == "" {
		return "application/octet-stream"
	}
	return ct
}

func isMaxBytes(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func (s *Server) storeImage(w http.ResponseWriter, r *http.Request, c *caller, img badgeimg.Image) error {
	sum := sha256.Sum256(img.Data)
	ci := &cairn.Image{OrgID: c.orgID, ContentType: img.Format.ContentType(), Data: img.Data, SHA256: hex.EncodeToString(sum[:])}
	if err := s.Store.CreateImage(r.Context(), ci); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/images/"+ci.ID)
	return writeJSON(w, http.StatusCreated, imageView{
		ID: ci.ID, ContentType: ci.ContentType, SHA256: ci.SHA256, Size: len(ci.Data),
		Width: img.Width, Height: img.Height, URL: s.Service.ImageURL(ci.ID), Warnings: img.Warnings, CreatedAt: ci.CreatedAt,
	})
}

// designInput is a generated badge design (badgeimg.Design) and the format
// to store it in.
type designInput struct {
	Shape     string `json:"shape"`
	Primary   string `json:"primary"`
	Secondary string `json:"secondary"`
	Title     string `json:"title"`
	Subtitle  string `json:"subtitle"`
	Icon      string `json:"icon"`
	// Format is "svg" (the default) or "png".
	Format string `json:"format"`
	// Size is the width and height of a PNG in pixels (default 512).
	Size int `json:"size"`
}

// generateImage draws a badge design and stores it as one image.
func (s *Server) generateImage(w http.ResponseWriter, r *http.Request, c *caller) error {
	var in designInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	d := badgeimg.Design{Shape: badgeimg.Shape(in.Shape), Primary: in.Primary, Secondary: in.Secondary,
		Title: in.Title, Subtitle: in.Subtitle, Icon: badgeimg.Icon(in.Icon)}
	if err := d.Validate(); err != nil {
		var de *badgeimg.DesignError
		if errors.As(err, &de) {
			return cairn.Invalidf(de.Field, "%s", de.Reason)
		}
		return cairn.Invalidf("", "%s", err)
	}
	img := badgeimg.Image{Format: badgeimg.SVG, Width: 512, Height: 512}
	switch in.Format {
	case "", "svg":
		if in.Size != 0 {
			return cairn.Invalidf("size", "applies to PNG only")
		}
		img.Data = d.SVG()
	case "png":
		if in.Size == 0 {
			in.Size = 512
		}
		if in.Size < badgeimg.MinDesignSize || in.Size > badgeimg.MaxDesignSize {
			return cairn.Invalidf("size", "must be between %d and %d pixels", badgeimg.MinDesignSize, badgeimg.MaxDesignSize)
		}
		data, err := d.PNG(in.Size)
		if err != nil {
			return cairn.Wrapf(cairn.Internal, err, "drawing the design")
		}
		img = badgeimg.Image{Format: badgeimg.PNG, Data: data, Width: float64(in.Size), Height: float64(in.Size)}
	default:
		return cairn.Invalidf("format", "%q: want svg or png", in.Format)
	}
	return s.storeImage(w, r, c, img)
}

// getImage answers an image of the organization, as stored.
func (s *Server) getImage(w http.ResponseWriter, r *http.Request, c *caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	img, err := s.Store.Image(r.Context(), c.orgID, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", img.ContentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(img.Data)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	w.Header().Set("ETag", `"`+img.SHA256+`"`)
	_, _ = w.Write(img.Data)
	return nil
}
