package ticket

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"tugi/app/i18n"
	"tugi/app/web"
)

// uploads takes the files sent in the form's field (a file input with multiple), and
// checks them: a refused file fails the form beside the field, naming the file and the
// limit. Browsers send an empty part for an input with no file chosen; it is no file.
// The files stay where the request left them (web.ReadMultipart: temporary files, mostly)
// and are read from there, one at a time, when they are checked and stored.
func (h *Handler) uploads(c echo.Context, form *web.Form, field string) ([]File, error) {
	mf := c.Request().MultipartForm
	if mf == nil {
		return nil, nil
	}
	limits := h.svc.limits
	var files []File
	for _, fh := range mf.File[field] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		files = append(files, File{Name: fh.Filename, Size: fh.Size, Open: func() (io.ReadCloser, error) { return fh.Open() }})
	}
	if _, err := limits.Check(files); err != nil {
		var fe *FileError
		if !errors.As(err, &fe) {
			return nil, echo.NewHTTPError(http.StatusBadRequest, "the form could not be read").SetInternal(err)
		}
		failFile(c, form, field, err, limits)
		return nil, nil
	}
	return files, nil
}

// failFile fails the form beside field with what a person reads about the refused file
// of err (a *FileError).
func failFile(c echo.Context, form *web.Form, field string, err error, limits AttachmentLimits) {
	var fe *FileError
	if !errors.As(err, &fe) {
		fe = &FileError{Reason: FileType}
	}
	lang := web.ViewerOf(c).Lang
	var msg string
	switch fe.Reason {
	case TooManyFiles:
		msg = i18n.T(lang, "Attach at most %d files to one message. Choose the files again.", limits.MaxFiles)
	case FileTooLarge:
		msg = i18n.T(lang, "%s is larger than %s, the limit for one file. Choose the files again, without it.", fe.Name, FormatSize(lang, limits.MaxSize))
	case FileEmpty:
		msg = i18n.T(lang, "%s is empty. Choose the files again, without it.", fe.Name)
	case OverQuota:
		msg = i18n.T(lang, "These files would take this organisation's attachments past %s, the storage it has for all its tickets. Attach fewer or smaller files, or ask support to make room.", FormatSize(lang, limits.OrgQuota))
	default:
		msg = i18n.T(lang, "%s is not a kind of file Tugi accepts: attach images (PNG, JPEG, GIF, WebP), PDF, text (TXT, CSV, LOG), ZIP, office documents (ODT, ODS, DOCX, XLSX, PPTX) or e-mails (EML). Choose the files again, without it.", fe.Name)
	}
	form.Fail(field, msg)
}

// refusedFiles reports whether err is the service's refusal of the files (a *FileError:
// past the organisation's quota, say), and if so fails the form beside field with it.
func refusedFiles(c echo.Context, form *web.Form, field string, err error, limits AttachmentLimits) bool {
	var fe *FileError
	if !errors.As(err, &fe) {
		return false
	}
	failFile(c, form, field, fe, limits)
	return true
}

// filesLost tells the person, beside field, that the files they chose must be chosen
// again when the form comes back for another reason: a browser cannot keep them.
func filesLost(c echo.Context, form *web.Form, field string, files []File) {
	if form.Invalid() && len(files) > 0 {
		form.Fail(field, i18n.T(web.ViewerOf(c).Lang, "Your files were not sent yet: choose them again, as a browser cannot keep them."))
	}
}

// downloadPolicy lets a downloaded file do nothing if a browser shows it after all: no
// script, no plugin, no request to anywhere.
const downloadPolicy = "sandbox; default-src 'none'"

// Download sends an attachment to someone who may see its ticket (and, for an internal
// note's, who is staff); to anyone else it is not found. Every download is audited. The
// name at the end of the path is for people and their browsers; the id finds the file.
func (h *Handler) Download(c echo.Context) error {
	id, err := ticketID(c)
	if err != nil {
		return err
	}
	aid, err := strconv.ParseInt(c.Param("aid"), 10, 64)
	if err != nil || aid <= 0 {
		return echo.ErrNotFound
	}
	a, r, err := h.svc.Download(c.Request().Context(), web.Actor(c), web.ViewerOf(c), id, aid)
	if errors.Is(err, ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	defer r.Close()
	ct := a.ContentType
	if ct == "" {
		ct = echo.MIMEOctetStream
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentDisposition, contentDisposition(a.Filename))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", downloadPolicy)
	hd.Set("Cache-Control", "private, no-store") // customer data: kept by no cache, shared or not
	hd.Set(echo.HeaderContentLength, strconv.FormatInt(a.Size, 10))
	return c.Stream(http.StatusOK, ct, r)
}

// contentDisposition is the Content-Disposition of a download named name: an attachment,
// with the name in RFC 5987 form for every browser, and an ASCII stand-in for old ones.
func contentDisposition(name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x80 && r >= 0x20 && r != '"' && r != '\\' && r != 0x7f {
			ascii.WriteRune(r)
		} else {
			ascii.WriteByte('_')
		}
	}
	for _, b := range []byte(name) {
		if b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0) {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// UploadHint is what a form with a file input shows about it.
type UploadHint struct {
	Accept   string // the input's accept attribute
	MaxFiles int
	MaxSize  string // e.g. "10 MB"
}

// Hint is what a form's file field says of limits l, in lang.
func (l AttachmentLimits) Hint(lang string) UploadHint {
	return UploadHint{Accept: acceptHint(), MaxFiles: l.MaxFiles, MaxSize: FormatSize(lang, l.MaxSize)}
}

func (h *Handler) uploadHint(c echo.Context) UploadHint {
	return h.svc.limits.Hint(web.ViewerOf(c).Lang)
}
