package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/iam"
)

// envIAMKey is the master secret of IAM encryption (access key secrets at
// rest, session tokens); when unset the root secret key is used.
const envIAMKey = "ZONES3_IAM_KEY"

// minIAMKeyLen is the shortest ZONES3_IAM_KEY accepted.
const minIAMKeyLen = 16

// iamKeyFromEnv returns ZONES3_IAM_KEY, "" when unset.
func iamKeyFromEnv(getenv env) (string, error) {
	k := getenv(envIAMKey)
	if k != "" && len(k) < minIAMKeyLen {
		return "", fmt.Errorf("%s must have at least %d characters", envIAMKey, minIAMKeyLen)
	}
	return k, nil
}

// metaStore is the object layer's cluster metadata as iam's Store.
type metaStore struct{ layer *objectlayer.Layer }

func (m metaStore) GetMeta(ctx context.Context, name string) (iam.MetaEntry, error) {
	e, err := m.layer.GetMeta(ctx, name)
	if err != nil {
		return iam.MetaEntry{}, storeError(err)
	}
	return iam.MetaEntry(e), nil
}

func (m metaStore) PutMeta(ctx context.Context, name string, value []byte) error {
	return storeError(m.layer.PutMeta(ctx, name, value))
}

func (m metaStore) DeleteMeta(ctx context.Context, name string) error {
	return storeError(m.layer.DeleteMeta(ctx, name))
}

func (m metaStore) ListMeta(ctx context.Context, prefix string) ([]iam.MetaEntry, error) {
	entries, err := m.layer.ListMeta(ctx, prefix)
	if err != nil {
		return nil, storeError(err)
	}
	out := make([]iam.MetaEntry, len(entries))
	for i, e := range entries {
		out[i] = iam.MetaEntry(e)
	}
	return out, nil
}

// storeError adds iam's sentinel to the object layer's errors that iam
// tells apart.
func storeError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, objectlayer.ErrNoSuchMeta):
		return fmt.Errorf("%w: %w", iam.ErrNoSuchRecord, err)
	case errors.Is(err, objectlayer.ErrQuorum):
		return fmt.Errorf("%w: %w", iam.ErrStoreUnavailable, err)
	}
	return err
}

// identities is the IAM side of a gateway: the directory of users, keys,
// groups, roles and policies over the cluster metadata, and the IAM/STS
// API over it.
type identities struct {
	dir   *iam.Directory
	api   *iam.API
	authz *iam.Authorizer // S3, IAM and STS requests by policy
}

func newIdentities(layer *objectlayer.Layer, creds credentials, iamKey string, verifier *iam.Verifier, log *slog.Logger) (*identities, error) {
	dir, err := iam.NewDirectory(iam.DirectoryConfig{
		Store:         metaStore{layer},
		RootAccessKey: creds.AccessKey,
		RootSecretKey: creds.SecretKey,
		EncryptionKey: iamKey,
		Logger:        log,
		// What is stored must be what the evaluator understands.
		ValidatePolicy: iam.ValidatePolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	verifier.Keys = dir
	authz := iam.NewAuthorizer(dir, log)
	api := iam.NewAPI(iam.APIConfig{
		Directory:   dir,
		Verifier:    verifier,
		Authorize:   authz.AuthorizeAPI,
		TrustPolicy: authz.Trust,
		Logger:      log,
	})
	return &identities{dir: dir, api: api, authz: authz}, nil
}

// ready reports an error until the identities were read once.
func (i *identities) ready() error {
	if !i.dir.Loaded() {
		return errors.New("identities not read from the nodes yet")
	}
	return nil
}
