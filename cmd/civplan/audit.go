package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/civplan/civplan/data/formats"
	"github.com/civplan/civplan/data/store"
)

// cmdAudit exports the audit log (every accepted write: who, when, what, before and after).
func cmdAudit(args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", dbFlagHelp)
	since := fs.String("since", "", "only entries at or after this RFC 3339 time")
	action := fs.String("action", "", "only this action, e.g. facility.update")
	actor := fs.String("actor", "", "only this actor (token name, cli, system)")
	format := fs.String("format", "jsonl", "jsonl (one JSON entry a line) or csv")
	out := fs.String("out", "", "write to this file instead of standard output")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	f := store.AuditFilter{Action: *action, Actor: *actor}
	if *since != "" {
		t, err := time.Parse(time.RFC3339, *since)
		if err != nil {
			return usageError{fmt.Sprintf("--since %q: want an RFC 3339 time such as 2026-11-30T08:00:00Z", *since)}
		}
		f.Since = t
	}
	if *format != "jsonl" && *format != "csv" {
		return usageError{fmt.Sprintf("--format %q: want jsonl or csv", *format)}
	}
	st, err := openStore(*dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	var all []store.AuditEntry
	f.Limit = 1000
	for {
		page, err := st.AuditLog(context.Background(), f)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			break
		}
		f.BeforeID = page[len(page)-1].ID
	}
	return writeOutput(*out, stdout, func(w io.Writer) error {
		if *format == "jsonl" {
			enc := json.NewEncoder(w)
			for _, e := range all {
				if err := enc.Encode(e); err != nil {
					return err
				}
			}
			return nil
		}
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"id", "at", "actor", "token_id", "action", "target", "request_id", "before", "after"})
		for _, e := range all {
			_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339Nano), formats.CSVText(e.Actor), strconv.FormatInt(e.TokenID, 10),
				formats.CSVText(e.Action), formats.CSVText(e.Target), formats.CSVText(e.RequestID), formats.CSVText(string(e.Before)), formats.CSVText(string(e.After))})
		}
		cw.Flush()
		return cw.Error()
	})
}
