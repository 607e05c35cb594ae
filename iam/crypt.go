package iam

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Secrets at rest and session tokens are sealed with AES-256-GCM under keys
// derived by HKDF-SHA256 from one master secret (the root secret key, or
// ZONES3_IAM_KEY when set), one key per purpose, so that a sealed access key
// secret can never be passed off as a session token or the other way round.
const (
	hkdfSalt                 = "zones3 iam v1"
	purposeAccessKey         = "access key secret"
	purposeSessionToken      = "sts session token"
	sealVersion         byte = 1
)

// errUnsealable is the error of a sealed value that does not open: it was
// sealed under another master secret, or it is corrupt.
var errUnsealable = errors.New("iam: sealed value does not open under the current IAM key")

// sealer seals and opens values with one derived key.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(master []byte, purpose string) (*sealer, error) {
	if len(master) == 0 {
		return nil, errors.New("iam: empty master secret")
	}
	key, err := hkdf.Key(sha256.New, master, []byte(hkdfSalt), purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("iam: derive %s key: %w", purpose, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("iam: %s cipher: %w", purpose, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("iam: %s cipher: %w", purpose, err)
	}
	return &sealer{aead: aead}, nil
}

// seal returns version, nonce and ciphertext with its tag. aad binds the
// sealed value to where it belongs (e.g. its access key ID).
func (s *sealer) seal(plaintext, aad []byte) []byte {
	ns := s.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+s.aead.Overhead())
	out[0] = sealVersion
	rand.Read(out[1 : 1+ns]) // never fails (crypto/rand)
	return s.aead.Seal(out, out[1:1+ns], plaintext, aad)
}

// open reverses seal; the error wraps errUnsealable.
func (s *sealer) open(sealed, aad []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < 1+ns+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: bad format", errUnsealable)
	}
	plain, err := s.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad)
	if err != nil {
		return nil, errUnsealable
	}
	return plain, nil
}
