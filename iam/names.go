package iam

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
)

// Length limits of IAM names, as AWS has them.
const (
	maxUserNameLen    = 64
	maxGroupNameLen   = 128
	maxRoleNameLen    = 64
	maxPolicyNameLen  = 128
	maxPathLen        = 512
	minSessionNameLen = 2
	maxSessionNameLen = 64
	maxDescriptionLen = 1000
)

// nameChar reports whether c may appear in an IAM name: [\w+=,.@-].
func nameChar(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		strings.IndexByte("_+=,.@-", c) >= 0
}

// validName checks an IAM name against [\w+=,.@-]{min,max}. field is the
// parameter's name as AWS's validation messages spell it (userName, ...).
func validName(field, name string, min, max int) error {
	if len(name) < min || len(name) > max {
		return validationError(field, name, fmt.Sprintf("Member must have length between %d and %d", min, max))
	}
	for i := 0; i < len(name); i++ {
		if !nameChar(name[i]) {
			return validationError(field, name, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
		}
	}
	return nil
}

// validPath checks an entity path: "/" or "/a/b/" with printable ASCII
// between the slashes. An empty path means "/".
func validPath(field, path string) error {
	if path == "" || path == "/" {
		return nil
	}
	ok := len(path) >= 2 && len(path) <= maxPathLen && path[0] == '/' && path[len(path)-1] == '/'
	for i := 0; ok && i < len(path); i++ {
		ok = path[i] >= 0x21 && path[i] <= 0x7e
	}
	if !ok {
		return validationError(field, path, `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	return nil
}

// validPolicyPath is validPath with the narrower character set AWS allows
// in managed policy paths: ((/[A-Za-z0-9\.,\+@=_-]+)*)/.
func validPolicyPath(field, path string) error {
	if err := validPath(field, path); err != nil || path == "" || path == "/" {
		return err
	}
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		ok := seg != ""
		for i := 0; ok && i < len(seg); i++ {
			ok = nameChar(seg[i])
		}
		if !ok {
			return validationError(field, path, `Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/`)
		}
	}
	return nil
}

// validPathPrefix checks the PathPrefix of a listing: "/" followed by
// printable ASCII.
func validPathPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	ok := prefix[0] == '/' && len(prefix) <= maxPathLen
	for i := 0; ok && i < len(prefix); i++ {
		ok = prefix[i] >= 0x21 && prefix[i] <= 0x7f
	}
	if !ok {
		return validationError("pathPrefix", prefix, `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	return nil
}

func orRoot(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// recordKey is the case-folded form of a name: IAM names of one kind are
// unique regardless of case.
func recordKey(name string) string { return strings.ToLower(name) }

// AccountID derives the deployment's 12-digit account ID from the root
// access key, so that every gateway of a deployment names the same account
// without storing it. Changing the root access key changes the account ID
// and with it every ARN shown; stored records refer to each other by name,
// not by ARN, so they stay valid.
func AccountID(rootAccessKey string) string {
	sum := sha256.Sum256([]byte("zones3 account id\x00" + rootAccessKey))
	return fmt.Sprintf("%012d", binary.BigEndian.Uint64(sum[:8])%1_000_000_000_000)
}

// ARN builders. IAM ARNs carry no region.
func userARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":user" + orRoot(path) + name
}

func groupARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":group" + orRoot(path) + name
}

func roleARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":role" + orRoot(path) + name
}

func policyARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":policy" + orRoot(path) + name
}

func rootARN(account string) string { return "arn:aws:iam::" + account + ":root" }

func assumedRoleARN(account, role, session string) string {
	return "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session
}

// parseIAMARN splits arn:aws:iam::<account>:<kind><path><name> into its
// account, path ("/" or "/a/b/") and name. ok is false when arn is not an
// IAM ARN of that kind.
func parseIAMARN(arn, kind string) (account, path, name string, ok bool) {
	rest, found := strings.CutPrefix(arn, "arn:aws:iam::")
	if !found {
		return "", "", "", false
	}
	account, rest, found = strings.Cut(rest, ":")
	if !found || account == "" {
		return "", "", "", false
	}
	rest, found = strings.CutPrefix(rest, kind+"/")
	if !found {
		return "", "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	path, name = "/"+rest[:i+1], rest[i+1:]
	if name == "" {
		return "", "", "", false
	}
	return account, path, name, true
}

// Alphabets of generated identifiers: AWS uses upper-case letters and the
// digits 2-7 in access key IDs and unique IDs.
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// Prefixes of generated identifiers, as AWS has them.
const (
	prefixUserID      = "AIDA"
	prefixGroupID     = "AGPA"
	prefixRoleID      = "AROA"
	prefixPolicyID    = "ANPA"
	prefixAccessKey   = "AKIA"
	prefixSessionKey  = "ASIA"
	accessKeyIDLen    = 20
	uniqueIDLen       = 21
	secretAccessKeyLn = 40
)

// newID returns prefix followed by random characters of idAlphabet, n
// characters in all.
func newID(prefix string, n int) string {
	b := make([]byte, n-len(prefix))
	rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = idAlphabet[b[i]&31]
	}
	return prefix + string(b)
}

// newSecretAccessKey returns 40 random base64 characters (30 bytes).
func newSecretAccessKey() string {
	var b [30]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// isAccessKeyID reports whether s has the shape of an access key ID:
// upper-case letters and digits, 16 to 128 of them.
func isAccessKeyID(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
