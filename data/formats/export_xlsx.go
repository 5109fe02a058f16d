package formats

import (
	"fmt"
	"io"

	"github.com/civplan/civplan/geo"
	"github.com/xuri/excelize/v2"
)

// xlsxCellLimit is Excel's maximum text length of a cell.
const xlsxCellLimit = 32767

// WriteXLSX writes layers as one worksheet each (Chinese headers; points get two coordinate
// columns; polygon boundaries are left out because they exceed Excel's cell limit — use gpkg or
// geojson for them), plus a sheet "说明" with the attribution and notes.
func WriteXLSX(w io.Writer, layers []Layer, crs geo.CRS, attribution string) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, l := range layers {
		sheet := l.Name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			return fmt.Errorf("sheet %s: %w", sheet, err)
		}
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return err
		}
		head := []any{}
		for _, c := range l.Columns {
			head = append(head, c.HeaderZH)
		}
		points := l.GeomType == "POINT"
		if points {
			for _, h := range geometryHeaders(&l, crs) {
				head = append(head, h)
			}
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		for j := range l.Rows {
			r := &l.Rows[j]
			row := make([]any, 0, len(head))
			for _, v := range r.Values {
				switch x := v.(type) {
				case nil:
					row = append(row, nil)
				case bool:
					row = append(row, exportCell(x))
				case string:
					if len(x) > xlsxCellLimit {
						x = x[:xlsxCellLimit]
					}
					row = append(row, x)
				default:
					row = append(row, x)
				}
			}
			if points {
				for _, s := range geometryCells(&l, r, crs) {
					row = append(row, s)
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, j+2)
			if err := sw.SetRow(cell, row); err != nil {
				return fmt.Errorf("sheet %s row %d: %w", sheet, j+2, err)
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	if _, err := f.NewSheet("说明"); err != nil {
		return err
	}
	notes := [][]any{{"来源 / Sources", attribution}, {"坐标系 / CRS", crs.Title() + " " + crs.Note()}, {"说明 / Note", ExportNote}}
	for _, l := range layers {
		notes = append(notes, []any{l.Name, l.Description})
	}
	for i, n := range notes {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("说明", cell, &n); err != nil {
			return err
		}
	}
	_, err := f.WriteTo(w)
	return err
}
