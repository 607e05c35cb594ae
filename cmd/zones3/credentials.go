package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Environment variables of the key pairs and the internode secret.
const (
	envRootAccessKey = "ZONES3_ROOT_ACCESS_KEY"
	envRootSecretKey = "ZONES3_ROOT_SECRET_KEY"
	envClusterSecret = "ZONES3_CLUSTER_SECRET"
	envAWSAccessKey  = "AWS_ACCESS_KEY_ID"
	envAWSSecretKey  = "AWS_SECRET_ACCESS_KEY"
)

// credentialsFile is the name, inside the server's data folder, of the
// root key pair the server created on its first start.
const credentialsFile = "credentials"

// Lower bounds on key lengths, as AWS and MinIO have them.
const (
	minAccessKeyLen = 3
	minSecretKeyLen = 8
)

// credentials is a root key pair; its JSON form is the credentials file.
type credentials struct {
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey"`
}

func (c credentials) validate() error {
	if len(c.AccessKey) < minAccessKeyLen {
		return fmt.Errorf("access key must have at least %d characters", minAccessKeyLen)
	}
	if len(c.SecretKey) < minSecretKeyLen {
		return fmt.Errorf("secret key must have at least %d characters", minSecretKeyLen)
	}
	return nil
}

// credentialsSource says where the root key pair came from.
type credentialsSource int

const (
	fromEnv     credentialsSource = iota // ZONES3_ROOT_*
	fromFile                             // <data>/credentials, made earlier
	fromCreated                          // <data>/credentials, made now
)

// rootCredentialsFromEnv returns the ZONES3_ROOT_* pair; ok is false when
// neither is set.
func rootCredentialsFromEnv(getenv env) (c credentials, ok bool, err error) {
	c = credentials{AccessKey: getenv(envRootAccessKey), SecretKey: getenv(envRootSecretKey)}
	if c.AccessKey == "" && c.SecretKey == "" {
		return c, false, nil
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		return c, false, fmt.Errorf("set both %s and %s, or neither", envRootAccessKey, envRootSecretKey)
	}
	if err := c.validate(); err != nil {
		return c, false, fmt.Errorf("%s/%s: %w", envRootAccessKey, envRootSecretKey, err)
	}
	return c, true, nil
}

// serverCredentials returns the server's root key pair: from the
// environment when set, else from <dataDir>/credentials, which is created
// with a random pair (mode 0600) on first use.
func serverCredentials(dataDir string, getenv env) (credentials, credentialsSource, error) {
	if c, ok, err := rootCredentialsFromEnv(getenv); err != nil || ok {
		return c, fromEnv, err
	}
	path := filepath.Join(dataDir, credentialsFile)
	c, err := readCredentialsFile(path)
	if err == nil {
		return c, fromFile, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return c, 0, err
	}
	c, err = newCredentials()
	if err != nil {
		return c, 0, err
	}
	if err := writeCredentialsFile(path, c); err != nil {
		return c, 0, err
	}
	return c, fromCreated, nil
}

func readCredentialsFile(path string) (credentials, error) {
	var c credentials
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read credentials: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("read credentials %s: %w", path, err)
	}
	if err := c.validate(); err != nil {
		return c, fmt.Errorf("read credentials %s: %w", path, err)
	}
	return c, nil
}

// writeCredentialsFile writes c to path atomically: a temporary file
// (created 0600), fsync, rename, fsync of the folder.
func writeCredentialsFile(path string, c credentials) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".credentials-*")
	if err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op once renamed
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("write credentials: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write credentials: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write credentials: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write credentials: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// newCredentials makes a random key pair shaped like AWS's: a 20-character
// access key of upper-case letters and digits, and a 40-character secret.
func newCredentials() (credentials, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	ak := make([]byte, 20)
	for i := 0; i < len(ak); {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return credentials{}, fmt.Errorf("generate access key: %w", err)
		}
		for _, x := range b {
			// Rejection sampling keeps the letters uniform: 252 = 7*36.
			if x < 252 && i < len(ak) {
				ak[i] = alphabet[x%36]
				i++
			}
		}
	}
	var sk [30]byte // 30 bytes = 40 base64 characters, no padding
	if _, err := rand.Read(sk[:]); err != nil {
		return credentials{}, fmt.Errorf("generate secret key: %w", err)
	}
	return credentials{AccessKey: string(ak), SecretKey: base64.StdEncoding.EncodeToString(sk[:])}, nil
}

// clientCredentials returns the key pair admin and bench sign with:
// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, else ZONES3_ROOT_*, else the
// credentials file of a server started in the current folder with the
// default --data. ok is false when none is available.
func clientCredentials(getenv env) (c credentials, source string, ok bool) {
	if ak, sk := getenv(envAWSAccessKey), getenv(envAWSSecretKey); ak != "" && sk != "" {
		return credentials{ak, sk}, envAWSAccessKey, true
	}
	if c, ok, err := rootCredentialsFromEnv(getenv); err == nil && ok {
		return c, envRootAccessKey, true
	}
	path := filepath.Join(defaultDataDir, credentialsFile)
	if c, err := readCredentialsFile(path); err == nil {
		return c, path, true
	}
	return credentials{}, "", false
}
