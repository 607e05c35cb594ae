package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestServerCredentialsCreatedAndReused(t *testing.T) {
	dir := t.TempDir()
	noEnv := func(string) string { return "" }
	c1, src, err := serverCredentials(dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if src != fromCreated {
		t.Errorf("first start: source %d, want fromCreated", src)
	}
	if !regexp.MustCompile(`^[A-Z0-9]{20}$`).MatchString(c1.AccessKey) {
		t.Errorf("access key %q is not 20 upper-case alphanumerics", c1.AccessKey)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`).MatchString(c1.SecretKey) {
		t.Errorf("secret key %q is not 40 base64 characters", c1.SecretKey)
	}
	path := filepath.Join(dir, credentialsFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"accessKey": "`+c1.AccessKey+`"`) || !strings.Contains(string(b), `"secretKey"`) {
		t.Errorf("credentials file:\n%s", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data folder holds %d entries, want only the credentials file", len(entries))
	}

	c2, src, err := serverCredentials(dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if src != fromFile || c2 != c1 {
		t.Errorf("second start: %+v from %d, want %+v from the file", c2, src, c1)
	}
}

func TestServerCredentialsFromEnv(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{envRootAccessKey: "ROOTKEY", envRootSecretKey: "rootsecret123"}
	c, src, err := serverCredentials(dir, func(k string) string { return env[k] })
	if err != nil || src != fromEnv || c.AccessKey != "ROOTKEY" || c.SecretKey != "rootsecret123" {
		t.Errorf("got %+v from %d, %v", c, src, err)
	}
	if _, err := os.Stat(filepath.Join(dir, credentialsFile)); !os.IsNotExist(err) {
		t.Error("a credentials file was written although the environment has the keys")
	}

	for _, bad := range []map[string]string{
		{envRootAccessKey: "ROOTKEY"},
		{envRootSecretKey: "rootsecret123"},
		{envRootAccessKey: "AK", envRootSecretKey: "rootsecret123"},
		{envRootAccessKey: "ROOTKEY", envRootSecretKey: "short"},
	} {
		if _, _, err := serverCredentials(dir, func(k string) string { return bad[k] }); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

func TestServerCredentialsBadFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, credentialsFile), []byte("{not json"), 0o600)
	if _, _, err := serverCredentials(dir, func(string) string { return "" }); err == nil {
		t.Error("a corrupt credentials file was accepted (or silently replaced)")
	}
}

func TestNewCredentialsDiffer(t *testing.T) {
	a, _ := newCredentials()
	b, _ := newCredentials()
	if a == b {
		t.Error("two generated key pairs are equal")
	}
}

func TestClientCredentials(t *testing.T) {
	t.Chdir(t.TempDir())
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if _, _, ok := clientCredentials(getenv); ok {
		t.Error("found credentials in an empty environment")
	}
	// A server's credentials file in ./data is the last resort.
	os.Mkdir("data", 0o700)
	writeCredentialsFile(filepath.Join("data", credentialsFile), credentials{"FILEKEY", "filesecret"})
	if c, src, ok := clientCredentials(getenv); !ok || c.AccessKey != "FILEKEY" || !strings.HasSuffix(src, "credentials") {
		t.Errorf("file: %+v from %q", c, src)
	}
	env[envRootAccessKey], env[envRootSecretKey] = "ROOTKEY", "rootsecret"
	if c, _, _ := clientCredentials(getenv); c.AccessKey != "ROOTKEY" {
		t.Errorf("root env: %+v", c)
	}
	env[envAWSAccessKey], env[envAWSSecretKey] = "AWSKEY", "awssecret"
	if c, _, _ := clientCredentials(getenv); c.AccessKey != "AWSKEY" || c.SecretKey != "awssecret" {
		t.Errorf("AWS env: %+v", c)
	}
}
