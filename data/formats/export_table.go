package formats

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/civplan/civplan/facilities"
	"github.com/xuri/excelize/v2"
)

// cellText renders a table cell for CSV: nil → "", booleans as 是/否, numbers in full precision.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "是"
		}
		return "否"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return fmt.Sprint(v)
}

// WriteTableCSV writes t as UTF-8 CSV with a BOM and the Chinese column titles, so Excel opens
// it correctly; the notes follow the rows after an empty line.
func WriteTableCSV(w io.Writer, t facilities.Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	head := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		head[i] = col.TitleZH
	}
	_ = cw.Write(head)
	row := make([]string, len(t.Columns))
	for _, r := range t.Rows {
		for i := range row {
			row[i] = ""
			if i < len(r) {
				row[i] = csvValue(r[i], cellText)
			}
		}
		_ = cw.Write(row)
	}
	if len(t.Notes) > 0 {
		_ = cw.Write([]string{})
		for _, n := range t.Notes {
			_ = cw.Write([]string{CSVText(n)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTableXLSX writes t as one worksheet with the Chinese column titles; numbers stay numbers,
// booleans become 是/否, notes follow the rows after an empty row.
func WriteTableXLSX(w io.Writer, t facilities.Table) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	set := func(col, row int, v any) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellValue(sheet, cell, v)
	}
	for i, col := range t.Columns {
		if err := set(i+1, 1, col.TitleZH); err != nil {
			return err
		}
	}
	for ri, r := range t.Rows {
		for ci, v := range r {
			if v == nil {
				continue
			}
			if b, ok := v.(bool); ok {
				v = cellText(b)
			}
			if err := set(ci+1, ri+2, v); err != nil {
				return err
			}
		}
	}
	for i, n := range t.Notes {
		if err := set(1, len(t.Rows)+3+i, n); err != nil {
			return err
		}
	}
	return f.Write(w)
}
