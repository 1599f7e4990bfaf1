package web

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// ReadBody hands the handler the body it read; a body too slow gets 408 and never
// reaches the handler, one too large 413.
func TestReadBody(t *testing.T) {
	e := echo.New()
	reached := make(chan string, 10)
	e.POST("/form", func(c echo.Context) error {
		reached <- c.FormValue("name")
		return c.String(http.StatusOK, "hello "+c.FormValue("name"))
	}, ReadBody(64, 300*time.Millisecond))
	srv := httptest.NewServer(e)
	defer srv.Close()

	res, err := http.Post(srv.URL+"/form", echo.MIMEApplicationForm, strings.NewReader("name=Mari"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(got) != "hello Mari" {
		t.Errorf("a form in time: %d %q", res.StatusCode, got)
	}
	<-reached

	res, err = http.Post(srv.URL+"/form", echo.MIMEApplicationForm, strings.NewReader("name="+strings.Repeat("x", 64)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d, want 413", res.StatusCode)
	}

	// Half the body, then nothing: the answer comes at the deadline, and the connection
	// is closed after it.
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 20\r\n\r\nname=Sl", echo.MIMEApplicationForm)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err = http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestTimeout || !res.Close {
		t.Errorf("a body too slow: %d, closing %v; want 408, closing", res.StatusCode, res.Close)
	}
	select {
	case name := <-reached:
		t.Errorf("the handler ran for a body too slow (name %q)", name)
	default:
	}
}

// ReadMultipart keeps a little of the files in memory and the rest in temporary files,
// gone once the request is answered.
func TestReadMultipart(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	e := echo.New()
	var tempFile string
	e.POST("/upload", func(c echo.Context) error {
		fhs := c.Request().MultipartForm.File["files"]
		var sizes []string
		for _, fh := range fhs {
			f, err := fh.Open()
			if err != nil {
				return err
			}
			if osf, ok := f.(*os.File); ok {
				tempFile = osf.Name()
			}
			f.Close()
			sizes = append(sizes, fmt.Sprint(fh.Size))
		}
		return c.String(http.StatusOK, c.FormValue("body")+" "+strings.Join(sizes, ","))
	}, ReadMultipart(1<<10))
	srv := httptest.NewServer(e)
	defer srv.Close()

	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("body", "two files")
	for _, n := range []int{100, 1 << 20} {
		part, _ := w.CreateFormFile("files", fmt.Sprintf("f%d.txt", n))
		_, _ = part.Write(bytes.Repeat([]byte("a"), n))
	}
	_ = w.Close()
	res, err := http.Post(srv.URL+"/upload", w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(got) != "two files 100,1048576" {
		t.Errorf("the form: %d %q", res.StatusCode, got)
	}
	if tempFile == "" {
		t.Fatal("the megabyte file was kept in memory, not in a temporary file")
	}
	if _, err := os.Stat(tempFile); !os.IsNotExist(err) {
		t.Errorf("the temporary file %s is left after the answer: %v", tempFile, err)
	}
}
