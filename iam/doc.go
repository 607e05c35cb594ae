// Package iam owns who a request comes from and, later, what it may do.
//
// Today it authenticates requests: it verifies AWS Signature Version 4
// (Authorization header and presigned query) and the legacy S3 Signature
// Version 2 (Authorization header and presigned query) against the secret
// keys a Keyring holds. The gateway calls Verifier.Verify once per request
// and maps the exported sentinel errors to S3 error codes.
//
// The signing logic is kept apart from net/http: canonicalisation,
// strings to sign and key derivation are pure functions over strings
// (sigv4.go, sigv2.go, encode.go), table-tested against AWS's published
// vectors; request.go gathers what they read from an *http.Request, and
// verify.go decides.
//
// For streaming uploads (aws-chunked) Verify hands back the derived signing
// key, the seed signature, the date and the scope; the decoder in the gateway
// chains each chunk's signature from them with ChunkStringToSign and
// TrailerStringToSign. The payload hash a header-signed request claims is not
// checked here: the gateway hashes the body as it streams it and compares.
//
// Users, access keys, policies, bucket policies, policy evaluation and the
// IAM query API will live here too; until then there is one root key pair.
package iam
