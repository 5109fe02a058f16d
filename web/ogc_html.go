package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"
)

// ogcHTML is the f=html page of every OGC resource: its links as anchors, then the JSON document.
var ogcHTML = template.Must(template.New("ogc").Parse(`<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}pre{background:#f4f4f4;padding:1em;overflow:auto;font-size:85%}</style>
</head><body><h1>{{.Title}}</h1>
{{if .Links}}<ul>{{range .Links}}<li><a href="{{.Href}}">{{if .Title}}{{.Title}}{{else}}{{.Rel}}{{end}}</a> <small>({{.Rel}}{{if .Type}}, {{.Type}}{{end}})</small></li>{{end}}</ul>{{end}}
<pre>{{.JSON}}</pre>
</body></html>
`))

// renderHTML sends body as an HTML page; its "links" member (if any) becomes a list of anchors.
func renderHTML(c *gin.Context, title string, body any) error {
	js, err := json.MarshalIndent(body, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", c.Request.URL.Path, err)
	}
	var probe struct {
		Links []link `json:"links"`
	}
	_ = json.Unmarshal(js, &probe)
	var buf bytes.Buffer
	if err := ogcHTML.Execute(&buf, struct {
		Title string
		Links []link
		JSON  string
	}{title, probe.Links, string(js)}); err != nil {
		return fmt.Errorf("render %s: %w", c.Request.URL.Path, err)
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}
