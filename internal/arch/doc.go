// Package arch holds no code: its test enforces the import rules that keep
// rsdata's layers apart (core packages free of HTTP and pgx, API packages
// independent of each other, the composition root imported only by the
// command and test helpers).
package arch
