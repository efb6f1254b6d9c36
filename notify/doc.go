// Package notify sends operator notifications: what happened to the fleet,
// to which server and pool, what Scalite did about it and the meetings and
// participants affected, to an incoming webhook (Slack, Mattermost,
// Microsoft Teams) and to an SNS topic. It batches, rate-limits and
// de-duplicates, scrubs secrets and checksums, and never blocks its caller:
// a failing or hanging receiver costs dropped messages, counted, not a
// stalled controller.
package notify
