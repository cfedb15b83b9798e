package valomnia

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"github.com/oapi-codegen/runtime"

	"github.com/contactapis/contactapis/apiclient"
)

// MaxImageBytes is the largest photo the client sends. The page's limit is "2Mo", which may mean
// 2,000,000 or 2,097,152 bytes (the spec's imageFile x-assumed); the client takes the smaller, so
// that it never uploads a photo the vendor might refuse after the whole transfer.
const MaxImageBytes = 2_000_000

// imageTypes are the photo formats the page accepts, as http.DetectContentType names them.
var imageTypes = []string{"image/jpeg", "image/gif", "image/png", "image/bmp"}

// imageField is the wire name of the photo part (ContactUpdateMultipart.ImageFile).
const imageField = "imageFile"

// Image is a contact photo to upload with an update. Its format is detected from its first bytes
// (the file name's extension plays no part) and must be JPEG, GIF, PNG or BMP; it may be at most
// MaxImageBytes long. Content is read once, at most MaxImageBytes+1 bytes, and not closed.
type Image struct {
	FileName string
	Content  io.Reader
}

// ImageError is a photo the client refused before sending anything. It matches, with errors.Is,
// the catalogue id of the answer the vendor would have given:
// apiclient.CatalogueID("exceeded-file-size") or apiclient.CatalogueID("unsupported-file-type").
type ImageError struct {
	FileName string
	// ContentType is the detected format; "" when the photo was refused for its size.
	ContentType string
	// TooLarge is set when the photo is longer than MaxImageBytes.
	TooLarge bool
}

func (e *ImageError) Error() string {
	if e.TooLarge {
		return fmt.Sprintf("valomnia: image %q is larger than %d bytes, the vendor's 2 Mo limit", e.FileName, MaxImageBytes)
	}
	return fmt.Sprintf("valomnia: image %q is %s; the vendor accepts only JPEG, GIF, PNG or BMP", e.FileName, e.ContentType)
}

// Is matches the catalogue id of the vendor's answer to such a photo.
func (e *ImageError) Is(target error) bool {
	id, ok := target.(apiclient.CatalogueID)
	return ok && string(id) == e.catalogueID()
}

func (e *ImageError) catalogueID() string {
	if e.TooLarge {
		return "exceeded-file-size"
	}
	return "unsupported-file-type"
}

// readImage reads and checks a photo, returning its bytes and detected content type.
func readImage(img *Image) ([]byte, string, error) {
	if img.FileName == "" || img.Content == nil {
		return nil, "", errors.New("valomnia: an image needs both FileName and Content")
	}
	if strings.ContainsAny(img.FileName, "\r\n") {
		return nil, "", fmt.Errorf("valomnia: image file name %q contains a line break", img.FileName)
	}
	data, err := io.ReadAll(io.LimitReader(img.Content, MaxImageBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("valomnia: read image %q: %w", img.FileName, err)
	}
	if len(data) > MaxImageBytes {
		return nil, "", &ImageError{FileName: img.FileName, TooLarge: true}
	}
	contentType := http.DetectContentType(data)
	if !slices.Contains(imageTypes, contentType) {
		return nil, "", &ImageError{FileName: img.FileName, ContentType: contentType}
	}
	return data, contentType, nil
}

// quoteEscaper escapes a file name for a quoted Content-Disposition parameter, as browsers and
// mime/multipart do.
var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// encodeUpdate renders an update as the request body: URL-encoded without an image, multipart
// with one. The fields are named and formatted by the generated form marshalling in both cases, so
// the two bodies carry the same values. The body is built once so that a retry or a re-login
// resends exactly the same bytes.
func encodeUpdate(update ContactUpdate, img *Image) (contentType string, body []byte, err error) {
	fields, err := runtime.MarshalForm(update, nil)
	if err != nil {
		return "", nil, fmt.Errorf("valomnia: encode update: %w", err)
	}
	if img == nil {
		return "application/x-www-form-urlencoded", []byte(fields.Encode()), nil
	}
	data, imageType, err := readImage(img)
	if err != nil {
		return "", nil, err
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		for _, v := range fields[name] {
			if err := w.WriteField(name, v); err != nil {
				return "", nil, fmt.Errorf("valomnia: encode update: %w", err)
			}
		}
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, imageField, quoteEscaper.Replace(img.FileName)))
	h.Set("Content-Type", imageType)
	part, err := w.CreatePart(h)
	if err == nil {
		_, err = part.Write(data)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return "", nil, fmt.Errorf("valomnia: encode update: %w", err)
	}
	return w.FormDataContentType(), buf.Bytes(), nil
}
