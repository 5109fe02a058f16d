// Package store is civplan's storage on a SQLite file: the schema and its migrations, the
// divisions and facilities (seeded from a dataset.Dataset, then edited with a version per
// write), saved plans and scenarios, API tokens and roles, the audit log written in the same
// transaction as each change, file imports (parsed by data/formats) and backup/restore. Web
// handlers and commands see it through the interfaces in stores.go, which a second store
// (PostgreSQL) can implement.
package store
