package apptest

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"

	"tugi/app/web"
)

// Upload is a file a test sends with a form: the form field, the file's name and its
// bytes.
type Upload struct {
	Field string
	Name  string
	Data  []byte
}

// PostFiles submits form and files to path as multipart/form-data, as a browser submits a
// form with a file input, with the client's CSRF token, and fails t unless the answer's
// status is want; header holds name, value pairs.
func (c *Client) PostFiles(t testing.TB, path string, form url.Values, files []Upload, want int, header ...string) *Page {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if form.Get(web.CSRFField) == "" {
		if err := w.WriteField(web.CSRFField, c.csrf(t)); err != nil {
			t.Fatal(err)
		}
	}
	for k, vs := range form {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		part, err := w.CreateFormFile(f.Field, f.Name)
		if err == nil {
			_, err = part.Write(f.Data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.app.URL+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.expect(t, req, want)
}
