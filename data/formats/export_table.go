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
// it correctly; the notes follow the rows after an empty line. Rows are written as t.All yields
// them, through a 4 KiB buffer: memory stays flat however long the table.
func WriteTableCSV(w io.Writer, t facilities.Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	head := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		head[i] = col.TitleZH
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	row := make([]string, len(t.Columns))
	for r := range t.All() {
		for i := range row {
			row[i] = ""
			if i < len(r) {
				row[i] = csvValue(r[i], cellText)
			}
		}
		if err := cw.Write(row); err != nil { // an error of w (the client went away): stop
			return err
		}
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
// booleans become 是/否, notes follow the rows after an empty row. The sheet is written with
// excelize's stream writer as t.All yields the rows (its XML kept in memory up to 16 MiB, then in
// a temporary file), and the workbook is zipped to w at the end.
func WriteTableXLSX(w io.Writer, t facilities.Table) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter(f.GetSheetName(0))
	if err != nil {
		return err
	}
	head := make([]any, len(t.Columns))
	for i, col := range t.Columns {
		head[i] = col.TitleZH
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	n := 1 // rows written
	cells := make([]any, 0, len(t.Columns))
	for r := range t.All() {
		n++
		cells = cells[:0]
		for _, v := range r {
			if b, ok := v.(bool); ok {
				v = cellText(b)
			}
			cells = append(cells, v)
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("xlsx row %d: %w", n, err)
		}
	}
	for i, note := range t.Notes {
		cell, _ := excelize.CoordinatesToCellName(1, n+2+i)
		if err := sw.SetRow(cell, []any{note}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
