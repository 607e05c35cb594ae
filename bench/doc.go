// Package bench is the load generator behind `zones3 bench`: it drives an S3
// endpoint with signed PUT and GET requests from a fixed number of workers
// for a fixed time, verifies every byte it reads back, and reports
// throughput, latency percentiles, errors and the server's peak RSS.
//
// It is built to be cheap, because it shares the machine's cores with the
// server it measures: request bodies come from one pre-generated random
// buffer per object size (or, above 64 MiB, a generator over a small random
// buffer, so memory stays bounded), payloads are sent unsigned
// (UNSIGNED-PAYLOAD, no SDK checksums) so nothing hashes them on the client,
// and GET bodies are compared against the expected bytes in place instead of
// being hashed.
package bench
