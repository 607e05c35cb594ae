// Package integration holds tests that start real zones3 processes and drive
// them with aws-sdk-go-v2 and the aws CLI.
//
// The tests know zones3 only as a user does: TestMain builds the zones3
// binary once, and each test starts its own `zones3 server`, or three
// `zones3 node` processes and a `zones3 gateway`, on free loopback ports with
// their own data folders, talks to them over HTTP or HTTPS (with a
// certificate authority made at test time), kills and restarts them, and
// compares every byte it reads with what it wrote. Process logs are kept in
// the test's temporary folder and printed when a test fails.
//
// Tests that need the aws CLI skip with a message when `aws` is not on PATH.
// The tests open every Go source file of the module, so go test reuses a
// cached result only while none of them changed.
package integration
