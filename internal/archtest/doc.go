// Package archtest holds the test that keeps docs/architecture.md true: its
// package map against `go list ./...`, and its dependency rules against the
// imports the go command reports. It has no code of its own.
package archtest
