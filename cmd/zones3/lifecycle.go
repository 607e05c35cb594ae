package main

import (
	"context"
	"errors"

	"github.com/zones3/zones3/gateway/objectlayer"
	"github.com/zones3/zones3/lifecycle"
)

// lifecycleMeta gives the lifecycle worker the object layer's cluster
// metadata (majority quorum, last writer wins): its lease, cursor and
// pass records live there, so every gateway sees them.
type lifecycleMeta struct {
	store objectlayer.MetaStore
}

var _ lifecycle.Meta = lifecycleMeta{}

func (m lifecycleMeta) GetMeta(ctx context.Context, name string) ([]byte, bool, error) {
	e, err := m.store.GetMeta(ctx, name)
	switch {
	case errors.Is(err, objectlayer.ErrNoSuchMeta):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return e.Value, true, nil
}

func (m lifecycleMeta) PutMeta(ctx context.Context, name string, value []byte) error {
	return m.store.PutMeta(ctx, name, value)
}

func (m lifecycleMeta) DeleteMeta(ctx context.Context, name string) error {
	return m.store.DeleteMeta(ctx, name)
}
