//go:build tools

package tools

import (
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	_ "github.com/cockroachdb/pebble/v2"
	_ "github.com/klauspost/reedsolomon"
	_ "github.com/minio/sha256-simd"
	_ "github.com/minio/highwayhash"
	_ "github.com/zeebo/blake3"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/term"
)
