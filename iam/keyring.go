package iam

// Keyring finds the secret key of an access key. Implementations must be
// safe for concurrent use.
type Keyring interface {
	SecretKey(accessKey string) (secret string, ok bool)
}

// StaticKeyring is a fixed set of key pairs: access key -> secret key. It
// must not be changed while a Verifier uses it.
type StaticKeyring map[string]string

// SecretKey implements Keyring.
func (k StaticKeyring) SecretKey(accessKey string) (string, bool) {
	secret, ok := k[accessKey]
	return secret, ok
}

// SessionKeyring is a Keyring that also knows temporary credentials: an
// access key that is valid only with the session token issued with it
// (x-amz-security-token). A Verifier whose Keys is not a SessionKeyring
// refuses every request that carries a session token.
type SessionKeyring interface {
	Keyring
	// SessionSecretKey returns the secret key of accessKey given with
	// token, or an error wrapping ErrInvalidToken or ErrExpiredToken.
	SessionSecretKey(accessKey, token string) (secret string, err error)
}
