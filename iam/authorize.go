package iam

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/zones3/zones3/iam/policy"
)

// ErrAccessDenied is what Authorizer returns for a refused request; the
// message names the policy and statement that decided, or the implicit
// deny.
var ErrAccessDenied = errors.New("iam: access denied")

// Authorizer decides requests with the policy language (iam/policy) over
// the Directory's identities: S3 requests (Authorize, with the bucket
// policy the gateway passes), IAM and STS requests (AuthorizeAPI) and role
// trust (Trust). It logs one line per refusal: who, which action on which
// resource, and why. It is safe for concurrent use.
type Authorizer struct {
	dir *Directory
	log *slog.Logger

	// parsed caches the parsed form of each policy document in force,
	// keyed by its name and text: documents change rarely and parsing is
	// far dearer than evaluating.
	mu     sync.Mutex
	parsed map[string]*policy.Policy
}

// NewAuthorizer returns an Authorizer over dir; log nil means
// slog.Default().
func NewAuthorizer(dir *Directory, log *slog.Logger) *Authorizer {
	if log == nil {
		log = slog.Default()
	}
	return &Authorizer{dir: dir, log: log, parsed: make(map[string]*policy.Policy)}
}

// ValidatePolicy is a DirectoryConfig.ValidatePolicy that checks documents
// with the policy language, so that what is stored is what Authorize can
// evaluate.
func ValidatePolicy(doc []byte, kind PolicyKind) error {
	k := policy.Identity
	if kind == PolicyTrust {
		k = policy.Trust
	}
	_, err := policy.Parse(doc, k)
	return err
}

// Authorize answers an S3 request (gateway.Authorizer).
func (a *Authorizer) Authorize(ctx context.Context, q *AccessRequest) error {
	req := policy.Request{Action: q.Action, Resource: q.Resource, Context: q.Context}
	var id *Identity
	if q.Auth.Method == AuthAnonymous {
		req.Principal.Anonymous = true
		req.Principal.Account = a.dir.Account()
	} else {
		var err error
		id, err = a.dir.Identity(q.Auth.AccessKey, q.Auth.SessionToken)
		if err != nil {
			return err
		}
	}
	return a.decide(id, &req, q.ResourcePolicy, q.Auth.AccessKey)
}

// AuthorizeAPI answers an IAM or STS request (APIConfig.Authorize):
// action on resource by id, by id's identity policies.
func (a *Authorizer) AuthorizeAPI(ctx context.Context, id *Identity, action, resource string) error {
	req := policy.Request{Action: action, Resource: resource}
	return a.decide(id, &req, nil, id.AccessKey)
}

// Trust answers whether a role's trust policy lets caller assume the role
// (APIConfig.TrustPolicy). The trust policy is the resource policy of
// sts:AssumeRole: naming the caller allows it; naming the account defers
// to the caller's own policies.
func (a *Authorizer) Trust(ctx context.Context, doc []byte, caller *Identity, roleARN string) error {
	trust, err := a.policy("trust:"+roleARN, doc, policy.Trust)
	if err != nil {
		return fmt.Errorf("the role's trust policy does not parse: %w", err)
	}
	req := policy.Request{Action: "sts:AssumeRole", Resource: roleARN}
	return a.decide(caller, &req, trust, caller.AccessKey)
}

// decide fills the principal of req from id (nil: anonymous, already
// set), evaluates and logs a refusal.
func (a *Authorizer) decide(id *Identity, req *policy.Request, resource *policy.Policy, accessKey string) error {
	var identity []*policy.Policy
	var session *policy.Policy
	if id != nil {
		req.Principal = policy.Principal{
			Root:     id.Root,
			Account:  id.Account,
			ARN:      id.ARN,
			RoleARN:  id.RoleARN,
			UserName: id.UserName,
			UserID:   id.UserID,
		}
		for _, ip := range id.Policies {
			p, err := a.policy(ip.ARN+"#"+ip.Name, ip.Document, policy.Identity)
			if err != nil {
				// Stored documents parsed when they were put; one that no
				// longer does grants nothing.
				a.log.Warn("identity policy does not parse", "policy", ip.Name, "owner", ip.ARN, "err", err)
				continue
			}
			identity = append(identity, p)
		}
		if id.SessionPolicy != nil {
			p, err := a.policy("session:"+id.ARN, id.SessionPolicy, policy.Identity)
			if err != nil {
				// A session policy that does not parse must not widen the
				// session: refuse.
				return fmt.Errorf("%w: the session policy does not parse", ErrAccessDenied)
			}
			session = p
		}
	}
	d := policy.Evaluate(req, identity, resource, session)
	if d.Allowed {
		return nil
	}
	who := req.Principal.ARN
	if req.Principal.Anonymous {
		who = "anonymous"
	}
	a.log.Info("access denied",
		"access_key", accessKey,
		"principal", who,
		"action", req.Action,
		"resource", req.Resource,
		"reason", d.Reason())
	return fmt.Errorf("%w: %s", ErrAccessDenied, d.Reason())
}

// policy returns the parsed document, from the cache when it was parsed
// before under the same name.
func (a *Authorizer) policy(name string, doc []byte, kind policy.Kind) (*policy.Policy, error) {
	key := name + "\x00" + string(doc)
	a.mu.Lock()
	p, ok := a.parsed[key]
	a.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := policy.Parse(doc, kind)
	if err != nil {
		return nil, err
	}
	p.Name = name
	a.mu.Lock()
	if len(a.parsed) >= 10000 {
		clear(a.parsed)
	}
	a.parsed[key] = p
	a.mu.Unlock()
	return p, nil
}
