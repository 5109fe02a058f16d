package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"
)

// streamFlushBytes is how much of a streamed answer is buffered before it is sent on.
const streamFlushBytes = 32 << 10

// jsonArray is a JSON array of n elements made one at a time by elem. json.Marshal encodes it
// whole (MarshalJSON); streamObject writes it element by element, so a large list is never held
// encoded in memory. Both give the same bytes.
type jsonArray struct {
	n    int
	elem func(i int) any
}

// MarshalJSON encodes the whole array.
func (a jsonArray) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := a.write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// write encodes the array to w, one element at a time.
func (a jsonArray) write(w io.Writer) error {
	if _, err := io.WriteString(w, "["); err != nil {
		return err
	}
	for i := 0; i < a.n; i++ {
		b, err := json.Marshal(a.elem(i))
		if err != nil {
			return err
		}
		if i > 0 {
			b = append([]byte{','}, b...)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "]")
	return err
}

// streamObject writes m as json.Marshal would (keys in sorted order, the same bytes), writing
// jsonArray members element by element.
func streamObject(w io.Writer, m map[string]any) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if _, err := io.WriteString(w, "{"); err != nil {
		return err
	}
	for i, k := range keys {
		kb, err := json.Marshal(k)
		if err != nil {
			return err
		}
		if i > 0 {
			kb = append([]byte{','}, kb...)
		}
		if _, err := w.Write(append(kb, ':')); err != nil {
			return err
		}
		if a, ok := m[k].(jsonArray); ok {
			if err := a.write(w); err != nil {
				return err
			}
			continue
		}
		vb, err := json.Marshal(m[k])
		if err != nil {
			return err
		}
		if _, err := w.Write(vb); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "}")
	return err
}

// writeStreamed answers 200 with m streamed as JSON of type ctype. Everything that can fail
// with a problem answer must have been checked before: once the first bytes are out, an
// encoding or write error can only cut the answer short (and is logged). With keep, the bytes
// are also collected and returned (nil when the answer was cut short).
func (s *Server) writeStreamed(c *gin.Context, ctype string, m map[string]any, keep bool) []byte {
	c.Header("Content-Type", ctype)
	c.Status(http.StatusOK)
	var w io.Writer = c.Writer
	var kept *bytes.Buffer
	if keep {
		kept = &bytes.Buffer{}
		w = io.MultiWriter(c.Writer, kept)
	}
	bw := bufio.NewWriterSize(w, streamFlushBytes)
	err := streamObject(bw, m)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		s.log.Warn("streamed answer cut short", "path", c.Request.URL.Path, "error", err.Error())
		return nil
	}
	if kept == nil {
		return nil
	}
	return kept.Bytes()
}
