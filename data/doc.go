// Package data is civplan's storage: the SQLite schema and migrations, the stores the domain
// packages see through small interfaces, importers and exporters, API tokens and the audit
// log, and the embedded Hubei dataset with the program that builds it (see hubeibuild).
// Import formats and their Chinese header aliases are described in IMPORT.md.
package data
