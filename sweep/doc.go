// Package sweep evaluates many candidate policies on the same scenario and
// seeds (common random numbers, so differences are not noise), finds the
// Pareto front of cost against disruption, and picks the cheapest candidate
// that meets the operator's constraints. A grid is evaluated in full, or
// searched by successive halving; either can be split into shards and
// merged back to the same bytes.
package sweep
