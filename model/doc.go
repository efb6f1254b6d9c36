// Package model holds Scalite's domain types: instance types and their BBB
// capacity, spot markets with their Spot Instance Advisor band, spot price
// series, meetings and the regional catalog. It does no I/O and reads no
// clock: every time is passed in as Unix seconds.
package model
