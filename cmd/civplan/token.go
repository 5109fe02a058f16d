package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/civplan/civplan/data/store"
)

func cmdToken(args []string, stdout, _ io.Writer) error {
	if len(args) < 1 {
		return usageError{"want: civplan token create|list|revoke"}
	}
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "civplan.db", dbFlagHelp)
	name := fs.String("name", "", "token name (who holds it)")
	role := fs.String("role", "viewer", "viewer, planner or admin")
	if isHelpFlag(args[0]) {
		return helpRequest{fs}
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	ctx := context.Background()
	open := func() (store.Handle, error) { return openStore(*dbPath) }
	switch args[0] {
	case "create":
		if *name == "" {
			return usageError{"token create needs --name"}
		}
		r, err := store.ParseRole(*role)
		if err != nil {
			return usageError{err.Error()}
		}
		st, err := open()
		if err != nil {
			return err
		}
		defer st.Close()
		secret, tok, err := st.CreateToken(ctx, *name, r)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created token %d %q with role %s. It is shown only this once:\n%s\n", tok.ID, tok.Name, tok.Role, secret)
	case "list":
		st, err := open()
		if err != nil {
			return err
		}
		defer st.Close()
		toks, err := st.ListTokens(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tPREFIX\tCREATED\tREVOKED")
		for _, t := range toks {
			rev := "-"
			if t.Revoked != nil {
				rev = t.Revoked.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Prefix, t.Created.Format("2006-01-02 15:04"), rev)
		}
		return tw.Flush()
	case "revoke":
		if len(pos) != 1 {
			return usageError{"token revoke needs one token ID"}
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return usageError{fmt.Sprintf("token ID %q is not a number", pos[0])}
		}
		st, err := open()
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.RevokeToken(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %d\n", id)
	default:
		return usageError{fmt.Sprintf("unknown token command %q (want create, list, revoke)", args[0])}
	}
	return nil
}
