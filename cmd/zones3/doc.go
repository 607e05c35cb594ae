// Command zones3 is the one zones3 binary. Its subcommands are:
//
//	zones3 server   one process: three zone-tagged storage nodes, the S3 gateway
//	zones3 node     one storage node serving the internode API
//	zones3 gateway  the S3 gateway over remote storage nodes
//	zones3 admin    status and repair of a running cluster
//	zones3 bench    an S3 load generator with byte-for-byte verification
//
// This package owns flags, environment variables, signals, logging setup
// and process memory settings; everything else lives in the packages it
// wires together (storage, placement, gateway, iam, bench).
//
// Environment:
//
//	ZONES3_ROOT_ACCESS_KEY, ZONES3_ROOT_SECRET_KEY
//	    the root key pair. server: optional (a random pair is created on
//	    first start and kept in <data>/credentials, mode 0600); gateway:
//	    required.
//	ZONES3_CLUSTER_SECRET
//	    the secret that signs internode requests; required by node and
//	    gateway, unused by server (its nodes are in-process).
//	ZONES3_IAM_KEY
//	    the master secret (16 characters or more) that IAM access key
//	    secrets at rest and STS session tokens are sealed under; every
//	    gateway of a deployment needs the same one. Unset: the root secret
//	    key, which then cannot change without making every IAM access key
//	    anew (see package iam).
//	AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
//	    the credentials admin and bench sign with (falling back to the
//	    ZONES3_ROOT_* pair, then to ./data/credentials).
//	GOMEMLIMIT
//	    when unset, server, node and gateway set a soft Go memory limit of
//	    192 MiB, so that garbage is collected sooner under load and the
//	    resident set stays small (Pebble's cache and memtables live outside
//	    the Go heap and are not counted); set GOMEMLIMIT (e.g. "off" or
//	    "1GiB") to override.
//
// Exit codes: 0 success, 1 failure, 2 bad command line (or `admin heal`,
// which is not available yet).
package main
