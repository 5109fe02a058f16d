package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// gzipMinBytes is the smallest answer worth compressing.
const gzipMinBytes = 1024

// compressible reports whether a content type is a JSON (or HTML) answer worth gzipping; vector
// tiles and binary downloads are sent as they are.
func compressible(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.Contains(ct, "json") || strings.HasPrefix(ct, "text/html") || strings.HasPrefix(ct, "text/csv")
}

// gzipWriter buffers the first bytes of an answer to decide whether to compress it.
type gzipWriter struct {
	gin.ResponseWriter
	pool    *sync.Pool // of *gzip.Writer: a new one allocates ≈ 800 KB of tables
	zw      *gzip.Writer
	buf     []byte
	decided bool
	status  int
}

func (w *gzipWriter) WriteHeader(code int) {
	if w.decided {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
}

func (w *gzipWriter) WriteHeaderNow() {
	if !w.decided {
		w.decide(false)
	}
	w.ResponseWriter.WriteHeaderNow()
}

func (w *gzipWriter) Write(b []byte) (int, error) {
	if !w.decided && len(w.buf) == 0 && len(b) >= gzipMinBytes {
		// one large write (an encoded answer): decide now rather than copy it into the buffer
		if err := w.decide(true); err != nil {
			return 0, err
		}
	}
	if !w.decided {
		w.buf = append(w.buf, b...)
		if len(w.buf) < gzipMinBytes {
			return len(b), nil
		}
		if err := w.decide(true); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	if w.zw != nil {
		return w.zw.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *gzipWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// decide sends the headers (compressing when the buffer is large enough and the type suits) and
// flushes the buffer.
func (w *gzipWriter) decide(big bool) error {
	w.decided = true
	h := w.Header()
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	if big && h.Get("Content-Encoding") == "" && compressible(h.Get("Content-Type")) &&
		status != http.StatusNoContent && status != http.StatusNotModified {
		h.Set("Content-Encoding", "gzip")
		h.Del("Content-Length")
		if zw, ok := w.pool.Get().(*gzip.Writer); ok {
			zw.Reset(w.ResponseWriter)
			w.zw = zw
		} else {
			w.zw = gzip.NewWriter(w.ResponseWriter)
		}
	}
	w.ResponseWriter.WriteHeader(status)
	if len(w.buf) == 0 {
		return nil
	}
	buf := w.buf
	w.buf = nil
	if w.zw != nil {
		_, err := w.zw.Write(buf)
		return err
	}
	_, err := w.ResponseWriter.Write(buf)
	return err
}

// finish flushes what is buffered and closes the compressor.
func (w *gzipWriter) finish() {
	if !w.decided {
		if len(w.buf) == 0 && w.status == 0 {
			return // nothing written: let gin write its default status
		}
		_ = w.decide(false)
	}
	if w.zw != nil {
		_ = w.zw.Close()
		w.zw.Reset(io.Discard) // drop the reference to the connection's writer
		w.pool.Put(w.zw)
		w.zw = nil
	}
}

func (w *gzipWriter) Flush() {
	if !w.decided {
		_ = w.decide(len(w.buf) >= gzipMinBytes)
	}
	if w.zw != nil {
		_ = w.zw.Flush()
	}
	w.ResponseWriter.Flush()
}

// gzipAnswers compresses JSON and HTML answers of at least 1 KiB for clients that accept gzip
// (HEAD as well, so that its headers are those of the GET; net/http discards the body).
func (s *Server) gzipAnswers(c *gin.Context) {
	if !strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") { // HEAD too: the same headers as GET
		c.Next()
		return
	}
	c.Writer.Header().Add("Vary", "Accept-Encoding")
	w := &gzipWriter{ResponseWriter: c.Writer, pool: &s.gzipWriters}
	c.Writer = w
	defer func() {
		w.finish()
		c.Writer = w.ResponseWriter
	}()
	c.Next()
}
