package web

import (
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

// writeTable answers t as an attachment in format f (csv: UTF-8 with BOM; xlsx), streamed: CSV
// rows are written as t.All yields them (the first bytes leave at once), the xlsx sheet goes
// through excelize's stream writer and the workbook is zipped straight into the answer, so
// memory stays flat however long the table. A failure before the first byte is a problem
// answer; after it (the client went away) it can only end the answer early, and is logged.
func writeTable(c *gin.Context, f string, t facilities.Table, name string) error {
	ctype, write := "text/csv; charset=utf-8", formats.WriteTableCSV
	if f == "xlsx" {
		ctype, write = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", formats.WriteTableXLSX
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, f))
	c.Header("Content-Type", ctype)
	c.Status(http.StatusOK)
	if err := write(c.Writer, t); err != nil {
		if !c.Writer.Written() {
			c.Writer.Header().Del("Content-Disposition")
			return err
		}
		c.Error(err) //nolint:errcheck // the answer has started: logged, not answered
		c.Abort()
	}
	return nil
}
