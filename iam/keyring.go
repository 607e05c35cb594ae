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
