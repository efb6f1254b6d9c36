// Package config reads and checks Scalite's YAML configuration
// (/etc/scalite/scalite.conf by default), the one file that `sim`, `sweep`
// and `live` share. Its key names are a public contract. Every error names
// the file, the line and the key path.
package config
