package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/civplan/civplan/data/store"
	"github.com/gin-gonic/gin"
)

// handleAudit answers GET /api/v1/audit (admin): audit entries newest first, filtered by
// since/until (RFC 3339), actor, action, target; paged with before_id and a next link.
func (s *Server) handleAudit(c *gin.Context) error {
	if p := onlyParams(c, "since", "until", "actor", "action", "target", "before_id", "limit"); p != nil {
		return p
	}
	var f store.AuditFilter
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := c.Query(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return badParam(name, fmt.Errorf("%q is not an RFC 3339 time such as 2026-11-30T08:00:00Z", v))
			}
			*dst = t
		}
	}
	f.Actor, f.Action, f.Target = c.Query("actor"), c.Query("action"), c.Query("target")
	if v := c.Query("before_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return badParam("before_id", fmt.Errorf("%q is not an audit entry id", v))
		}
		f.BeforeID = id
	}
	limit, p := intParam(c, "limit", 100, 1, 500)
	if p != nil {
		return p
	}
	f.Limit = limit + 1
	entries, err := s.store.AuditLog(c.Request.Context(), f)
	if err != nil {
		return err
	}
	out := gin.H{"entries": entries}
	if len(entries) > limit {
		entries = entries[:limit]
		out["entries"] = entries
		out["links"] = []link{{Href: nextLink(c, map[string]string{"before_id": itoa(entries[len(entries)-1].ID)}), Rel: "next", Type: "application/json"}}
	}
	c.JSON(http.StatusOK, out)
	return nil
}
