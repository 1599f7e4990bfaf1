package ticket

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"

	"tugi/app/access"
	"tugi/app/audit"
	"tugi/app/blob"
)

// AttachmentLimits are how large a file, and how many files, one message may carry, and
// how many bytes of attachments one customer organisation may keep in all.
type AttachmentLimits struct {
	MaxSize  int64 // bytes per file
	MaxFiles int   // files per message
	OrgQuota int64 // bytes of attachments per organisation, in all its tickets; 0: no limit
}

// DefaultAttachmentLimits are the limits when the configuration sets none.
var DefaultAttachmentLimits = AttachmentLimits{MaxSize: 10 << 20, MaxFiles: 5, OrgQuota: 1 << 30}

// MaxRequest is the largest request body a form carrying files may have: every file at
// its limit, and room for the rest of the form and the multipart framing.
func (l AttachmentLimits) MaxRequest() int64 { return int64(l.MaxFiles)*l.MaxSize + 1<<20 }

// File is a file as a person attached it: its name as their computer gave it, its size,
// and how to read it. A file sent with a form is read from where the request left it (a
// temporary file, mostly), one at a time, never all of them into memory at once.
type File struct {
	Name string
	Size int64
	Open func() (io.ReadCloser, error)
}

// FileOf is a File of data held in memory: a file made by Tugi itself, or a test's.
func FileOf(name string, data []byte) File {
	return File{Name: name, Size: int64(len(data)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

// fileType is a type of file people may attach: the MIME type Tugi detects from the
// bytes (github.com/gabriel-vasile/mimetype), and the name endings that type may carry.
// Both must match, so neither a renamed program nor an HTML page called notes.txt gets
// in. HTML, SVG and scripts are not here at all: served from Tugi's origin they could
// run script (stored XSS), whatever the download headers say.
type fileType struct {
	mime string
	exts []string
}

var fileTypes = []fileType{
	{"image/png", []string{".png"}},
	{"image/jpeg", []string{".jpg", ".jpeg"}},
	{"image/gif", []string{".gif"}},
	{"image/webp", []string{".webp"}},
	{"application/pdf", []string{".pdf"}},
	// Plain text: logs, CSV that does not look like a table, and e-mails whose first
	// header the detector does not know.
	{"text/plain", []string{".txt", ".log", ".csv", ".eml"}},
	{"text/csv", []string{".csv", ".txt"}},
	{"application/zip", []string{".zip"}},
	{"application/vnd.oasis.opendocument.text", []string{".odt"}},
	{"application/vnd.oasis.opendocument.spreadsheet", []string{".ods"}},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}},
	{"application/vnd.openxmlformats-officedocument.presentationml.presentation", []string{".pptx"}},
	{"message/rfc822", []string{".eml"}},
}

// acceptHint is the file input's accept attribute: the name endings Tugi takes. The
// browser only suggests them; the server decides from the bytes.
func acceptHint() string {
	var exts []string
	for _, t := range fileTypes {
		for _, e := range t.exts {
			if !slices.Contains(exts, e) {
				exts = append(exts, e)
			}
		}
	}
	return strings.Join(exts, ",")
}

// Why a file is refused.
const (
	TooManyFiles = "too_many"
	FileTooLarge = "too_large"
	FileEmpty    = "empty"
	FileType     = "type"
	OverQuota    = "quota" // the files would take the organisation past AttachmentLimits.OrgQuota
)

// FileError is a refused file: which (its cleaned name; "" for too many files, or past
// the quota) and why.
type FileError struct {
	Name   string
	Reason string
}

func (e *FileError) Error() string {
	return fmt.Sprintf("ticket: file %q refused: %s", e.Name, e.Reason)
}

// checkedFile is a file that passed Check: its name cleaned for display, its detected
// type, its size and how to read it.
type checkedFile struct {
	name, mime string
	size       int64
	open       func() (io.ReadCloser, error)
}

// What other features that keep files (incident evidence) read of a checked file: its
// cleaned name, its detected type, its size, and how to read it.
func (f checkedFile) Name() string                 { return f.name }
func (f checkedFile) ContentType() string          { return f.mime }
func (f checkedFile) Size() int64                  { return f.size }
func (f checkedFile) Open() (io.ReadCloser, error) { return f.open() }

// Check checks files against the limits and the accepted types, and returns the first
// refusal as a *FileError. It reads the start of each file (its type), not the rest.
func (l AttachmentLimits) Check(files []File) ([]checkedFile, error) {
	if len(files) > l.MaxFiles {
		return nil, &FileError{Reason: TooManyFiles}
	}
	out := make([]checkedFile, 0, len(files))
	for _, f := range files {
		name := CleanFilename(f.Name)
		switch {
		case f.Size > l.MaxSize:
			return nil, &FileError{Name: name, Reason: FileTooLarge}
		case f.Size <= 0:
			return nil, &FileError{Name: name, Reason: FileEmpty}
		}
		mime, ok, err := detectFile(name, f)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &FileError{Name: name, Reason: FileType}
		}
		out = append(out, checkedFile{name: name, mime: mime, size: f.Size, open: f.Open})
	}
	return out, nil
}

// detectFile returns the type of f, called name, if Tugi accepts it, from the start of
// its content.
func detectFile(name string, f File) (string, bool, error) {
	r, err := f.Open()
	if err != nil {
		return "", false, fmt.Errorf("ticket: open %q: %w", name, err)
	}
	defer r.Close()
	m, err := mimetype.DetectReader(r)
	if err != nil {
		return "", false, fmt.Errorf("ticket: read %q: %w", name, err)
	}
	mime, ok := accepted(name, m)
	return mime, ok, nil
}

// accepted returns the type m of a file called name, if Tugi accepts it.
func accepted(name string, m *mimetype.MIME) (string, bool) {
	ext := strings.ToLower(path.Ext(name))
	for _, t := range fileTypes {
		if !m.Is(t.mime) {
			continue
		}
		if slices.Contains(t.exts, ext) {
			return m.String(), true
		}
	}
	return "", false
}

// CleanFilename makes an uploaded file's name safe to show and to send back: its last
// path element only, valid UTF-8 without control or bidirectional-override characters,
// at most 255 bytes, and "attachment" when nothing is left.
func CleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "\uFFFD")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\uFEFF' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if len(name) > 255 {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		cut := 255 - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + ext
	}
	if name == "" || name == "." || name == ".." {
		return "attachment"
	}
	return name
}

// Attachment is a file attached to a message of a ticket.
type Attachment struct {
	ID          int64     `db:"id" json:"id"`
	TicketID    int64     `db:"ticket_id" json:"ticket_id"`
	OrgID       int64     `db:"org_id" json:"org_id"`
	MessageID   int64     `db:"message_id" json:"message_id"`
	Filename    string    `db:"filename" json:"filename"`
	ContentType string    `db:"content_type" json:"content_type"`
	Size        int64     `db:"size" json:"size"`
	SHA256      string    `db:"sha256" json:"sha256"`
	Internal    bool      `db:"internal" json:"internal"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
}

// URL is where the attachment is downloaded.
func (a Attachment) URL() string {
	return "/tickets/" + strconv.FormatInt(a.TicketID, 10) + "/attachments/" + strconv.FormatInt(a.ID, 10) + "/" +
		url.PathEscape(a.Filename)
}

// SizeText writes the attachment's size as people read it, in lang: "12 KB", "1.5 MB".
func (a Attachment) SizeText(lang string) string { return FormatSize(lang, a.Size) }

// FormatSize writes n bytes compactly: bytes, KB or MB (of 1024), with one decimal below
// ten, and the decimal comma in Estonian.
func FormatSize(lang string, n int64) string {
	units := []string{"B", "KB", "MB", "GB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	s := strconv.FormatFloat(v, 'f', 0, 64)
	if u > 0 && v < 10 {
		s = strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
	}
	if lang == "et" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + units[u]
}

// attach stores files (checked) on message msgID of ticket ticketID, by the person by, in the
// transaction of st: each content in blobs (once), one file at a time, and an attachment
// row for each. Files that would take the organisation's attachments past quota (bytes; 0:
// no limit) are refused with a *FileError (OverQuota), before anything is stored.
func (st *Store) attach(ctx context.Context, blobs blob.Store, quota int64, ticketID, orgID, msgID, by int64, files []checkedFile, at time.Time) ([]int64, error) {
	if len(files) == 0 {
		return nil, nil
	}
	if quota > 0 {
		var adding int64
		for _, f := range files {
			adding += f.size
		}
		// One organisation's uploads count their bytes one after the other, so two at
		// once cannot both pass on the same room.
		if _, err := st.q.ExecContext(ctx, lockOrgStorage, orgStorageLock, orgID); err != nil {
			return nil, fmt.Errorf("ticket store: lock storage of organisation %d: %w", orgID, err)
		}
		var used int64
		if err := st.q.GetContext(ctx, &used, orgAttachmentBytes, orgID); err != nil {
			return nil, fmt.Errorf("ticket store: storage of organisation %d: %w", orgID, err)
		}
		if used+adding > quota {
			return nil, &FileError{Reason: OverQuota}
		}
	}
	var ids []int64
	for _, f := range files {
		r, err := f.open()
		if err != nil {
			return nil, fmt.Errorf("ticket store: open %q: %w", f.name, err)
		}
		ref, err := blobs.Put(ctx, st.q, r)
		r.Close()
		if err != nil {
			return nil, err
		}
		var id int64
		if err := st.q.GetContext(ctx, &id, insertAttachment, ticketID, orgID, msgID, f.name, f.mime, ref.Size, ref.SHA256, by, at); err != nil {
			return nil, fmt.Errorf("ticket store: attach to message %d: %w", msgID, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Attachment returns attachment aid of ticket id if scope may see it (the ticket, and
// the message it belongs to), and ErrNotFound otherwise.
func (s *Store) Attachment(ctx context.Context, scope Scope, id, aid int64) (*Attachment, error) {
	var a Attachment
	err := s.q.GetContext(ctx, &a, getAttachment, scope.args(id, aid)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("ticket store: attachment %d of %d: %w", aid, id, err)
	}
	return &a, nil
}

// Download returns attachment aid of ticket id with its content, for v, who must be
// allowed to see it (ErrNotFound otherwise, whether or not it exists), and records the
// download in the audit log (ticket.attachment_download) before the content is sent.
func (s *Service) Download(ctx context.Context, actor audit.Actor, v *access.Viewer, id, aid int64) (*Attachment, io.ReadCloser, error) {
	scope := ScopeOf(v)
	if scope.None() {
		return nil, nil, ErrNotFound
	}
	a, err := NewStore(s.reads).Attachment(ctx, scope, id, aid)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.blobs.Open(ctx, s.db, a.SHA256)
	if err != nil {
		return nil, nil, err
	}
	err = audit.Record(ctx, s.db, actor, audit.Event{Action: "ticket.attachment_download", ObjectType: "ticket",
		ObjectID: strconv.FormatInt(id, 10), OrgID: a.OrgID, Changes: map[string]audit.Change{"attachment_id": {New: a.ID}}})
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	return a, r, nil
}
