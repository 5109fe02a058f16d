package web

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/facilities"
	"github.com/gin-gonic/gin"
)

// tableFormat is the f= parameter of table endpoints: json (default), csv or xlsx.
func tableFormat(c *gin.Context) (string, *Problem) {
	switch f := c.DefaultQuery("f", "json"); f {
	case "json", "csv", "xlsx":
		return f, nil
	default:
		return "", badParam("f", fmt.Errorf("unknown format %q (want json, csv or xlsx)", f))
	}
}

// writeTable answers t as an attachment in format f (csv: UTF-8 with BOM; xlsx), rendered in
// full before anything is sent so a failure still gets a problem answer.
func writeTable(c *gin.Context, f string, t facilities.Table, name string) error {
	var buf bytes.Buffer
	ctype := "text/csv; charset=utf-8"
	if f == "xlsx" {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		if err := formats.WriteTableXLSX(&buf, t); err != nil {
			return err
		}
	} else if err := formats.WriteTableCSV(&buf, t); err != nil {
		return err
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, f))
	c.Data(http.StatusOK, ctype, buf.Bytes())
	return nil
}
