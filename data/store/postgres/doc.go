// Package postgres is civplan's store on PostgreSQL with PostGIS, for several `civplan serve`
// replicas over one database: the same tables as the SQLite store (data/store), facilities and
// divisions as geometry(Point,4326) and geometry(MultiPolygon,4326) columns with GiST indexes so
// QGIS can open them, the change log numbered by a one-row counter inside each write
// transaction, LISTEN/NOTIFY on the channel civplan_changes, and migrations plus the first
// seeding under an advisory lock. Every query is data/store's (store.Core); this package holds
// the schema, the connection and what only PostgreSQL does.
package postgres
