package store

import "fmt"

// schemaDivisionsVersion counts changes to the divisions table with triggers, so no writer can
// forget to: a reader that remembers the count knows whether the tree must be reloaded or only
// the facilities.
const schemaDivisionsVersion = `
CREATE TABLE divisions_version (n INTEGER NOT NULL);
INSERT INTO divisions_version (n) VALUES (0);
CREATE TRIGGER divisions_version_insert AFTER INSERT ON divisions BEGIN UPDATE divisions_version SET n = n + 1; END;
CREATE TRIGGER divisions_version_update AFTER UPDATE ON divisions BEGIN UPDATE divisions_version SET n = n + 1; END;
CREATE TRIGGER divisions_version_delete AFTER DELETE ON divisions BEGIN UPDATE divisions_version SET n = n + 1; END;
`

// Versions returns the write version (bumped by every committed write) and the divisions
// version (bumped by every change to a division row) as one consistent read.
func (s *Core) Versions() (write, divisions int64, err error) {
	err = s.rdb.QueryRow("SELECT (SELECT n FROM write_version), (SELECT n FROM divisions_version)").Scan(&write, &divisions)
	if err != nil {
		return 0, 0, fmt.Errorf("read versions: %w", err)
	}
	return write, divisions, nil
}
