package ticket_test

import (
	"bufio"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"tugi/app/apptest"
	"tugi/app/config"
	"tugi/app/web"
)

// Ten replies at once, each with five files of 1 MiB, are stored in bounded memory: the
// files wait in temporary files, and two requests at a time (TUGI_ACTIVE_UPLOADS) read
// theirs, one file after the other. Holding every file in memory, as Tugi once did, takes
// the heap up by 200 MB or more for these 100 MB of files; the bound is 64 MiB.
//
// Not parallel: the heap is the whole test binary's, and Go runs the parallel tests only
// after the others.
func TestUploadsInBoundedMemory(t *testing.T) {
	const replies, perReply, size = 10, 5, 1<<20 - 1<<10
	app := apptest.NewWith(t, apptest.Options{Configure: func(c *config.Config) {
		c.AttachmentMaxSize, c.AttachmentMaxFiles, c.ActiveUploads = 1<<20, perReply, 2
	}})
	c := app.SignIn(t, mari)
	tickets := make([]int64, replies)
	for i := range tickets {
		tickets[i] = open(t, app, c, fmt.Sprintf("Logs, part %d", i+1))
	}
	files := takeFiles(t, app.DB)
	token := c.CSRF()

	// The heap is collected at a tenth of growth, so what it holds is near what is in use.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	peak := base
	sampled := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()

	statuses := make([]int, replies)
	errs := make([]error, replies)
	var wg sync.WaitGroup
	for i, id := range tickets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], errs[i] = postLogs(c, token, app.URL+path(id, "/reply"), i, perReply, size)
		}()
	}
	wg.Wait()
	close(done)
	<-sampled

	for i := range replies {
		if errs[i] != nil || statuses[i] != http.StatusSeeOther {
			t.Errorf("reply %d: status %d, %v; want 303", i+1, statuses[i], errs[i])
		}
	}
	if now := takeFiles(t, app.DB); now.attachments != files.attachments+replies*perReply {
		t.Errorf("attachments: %d before, %d after; want %d more", files.attachments, now.attachments, replies*perReply)
	}
	grew := int64(peak) - int64(base)
	t.Logf("%d MB of files: the heap in use grew by %.1f MiB at most", replies*perReply*size>>20, float64(grew)/(1<<20))
	if grew > 40<<20 {
		t.Errorf("the heap in use grew by %.0f MiB while storing the files; want 40 MiB at most", float64(grew)/(1<<20))
	}
}

// postLogs posts a reply as c (its CSRF token given) with n log files of size bytes, made as they are sent (the
// test holds none of them), and returns the answer's status.
func postLogs(c *apptest.Client, token, url string, reply, n, size int) (int, error) {
	pr, pw := io.Pipe()
	buf := bufio.NewWriterSize(pw, 64<<10) // sent in pieces of 64 KiB, not line by line
	w := multipart.NewWriter(buf)
	go func() {
		err := w.WriteField(web.CSRFField, token)
		if err == nil {
			err = w.WriteField("body", "The logs you asked for.")
		}
		for f := 0; f < n && err == nil; f++ {
			var part io.Writer
			if part, err = w.CreateFormFile("files", fmt.Sprintf("spooler-%d-%d.log", reply, f)); err != nil {
				break
			}
			line := []byte(fmt.Sprintf("%-63s\n", fmt.Sprintf("reply %d file %d: printer spooler stopped", reply, f)))
			for i := 0; i < size/len(line) && err == nil; i++ {
				_, err = part.Write(line)
			}
		}
		if err == nil {
			err = w.Close()
		}
		if err == nil {
			err = buf.Flush()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest(http.MethodPost, url, pr)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := c.HTTP().Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, err = io.Copy(io.Discard, res.Body)
	return res.StatusCode, err
}
