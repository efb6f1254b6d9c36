// Package datasets reads, writes and generates Scalite's inputs: spot-price
// history (the AWS CLI's describe-spot-price-history JSON, JSON Lines and
// CSV/TSV, gzipped or not), meeting traces, the instance catalog and the
// embedded default datasets. Every reader reports bad input with its file,
// line or record and field, and counts what it skips on purpose.
package datasets
