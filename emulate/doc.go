// Package emulate provides loopback doubles built from the real systems'
// behaviour, not from what Scalite expects of them:
//
//   - Scalelite (scalelite*.go): the server API, BigBlueButton's API through
//     the load balancer, the poller (`rake poll`) and the operator's rake
//     tasks, each following the file of blindsidenetworks/scalelite named
//     beside it; and the BigBlueButton servers behind it (bbb*.go), each
//     with its own secret and injectable faults.
//   - EC2 (ec2*.go): the EC2 Query API calls Scalite makes, with client
//     token idempotency, eventual consistency, the instance lifecycle,
//     launch errors per pool and market, throttling and interruptions, as
//     the AWS documentation pages named beside them describe.
//
// Every emulated behaviour carries a comment naming its source. Tests use
// the doubles, and `scalite emulate` serves them so an operator can
// rehearse a policy end to end without an AWS account.
package emulate
