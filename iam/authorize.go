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
//
// Identity policies come parsed from the Directory (parsed once, when it
// reads their records), so a user's request parses nothing and looks
// nothing up by document. The documents that come with a request instead,
// a session's policy (from its token) and a role's trust policy (read by
// AssumeRole), are parsed once and kept in a bounded cache.
type Authorizer struct {
	dir *Directory
	log *slog.Logger

	mu     sync.Mutex
	parsed map[docKey]*policy.Policy
}

// docKey names a parsed session or trust policy: its kind (Identity for
// a session policy), the ARN it is named after (the session's, or the
// role's) and its text.
type docKey struct {
	kind  policy.Kind
	owner string
	doc   string
}

// maxParsedDocs bounds the cache of session and trust policies; when full
// it is emptied. Each document is at most 2,048 characters.
const maxParsedDocs = 1024

// NewAuthorizer returns an Authorizer over dir; log nil means
// slog.Default().
func NewAuthorizer(dir *Directory, log *slog.Logger) *Authorizer {
	if log == nil {
		log = slog.Default()
	}
	return &Authorizer{dir: dir, log: log, parsed: make(map[docKey]*policy.Policy)}
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
	trust, err := a.policy(policy.Trust, roleARN, string(doc))
	if err != nil {
		return fmt.Errorf("the role's trust policy does not parse: %w", err)
	}
	req := policy.Request{Action: "sts:AssumeRole", Resource: roleARN}
	return a.decide(caller, &req, trust, caller.AccessKey)
}

// decide fills the principal of req from id (nil: anonymous, already
// set), evaluates and logs a refusal.
func (a *Authorizer) decide(id *Identity, req *policy.Request, resource *policy.Policy, accessKey string) error {
	// Enough for a user's policies in most accounts without a heap
	// allocation.
	var buf [16]*policy.Policy
	identity := buf[:0]
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
		for i := range id.Policies {
			// nil: the stored document does not parse (the Directory
			// logged it) and grants nothing.
			if p := id.Policies[i].Policy; p != nil {
				identity = append(identity, p)
			}
		}
		if id.SessionPolicy != "" {
			p, err := a.policy(policy.Identity, id.ARN, id.SessionPolicy)
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

// policy returns a session policy (kind Identity, named after the
// session's ARN) or a trust policy (kind Trust, named after the role's
// ARN) parsed, from the cache when it was parsed before for the same
// owner.
func (a *Authorizer) policy(kind policy.Kind, owner, doc string) (*policy.Policy, error) {
	key := docKey{kind: kind, owner: owner, doc: doc}
	a.mu.Lock()
	p, ok := a.parsed[key]
	a.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := policy.Parse([]byte(doc), kind)
	if err != nil {
		return nil, err
	}
	if kind == policy.Trust {
		p.Name = "trust:" + owner
	} else {
		p.Name = "session:" + owner
	}
	a.mu.Lock()
	if len(a.parsed) >= maxParsedDocs {
		clear(a.parsed)
	}
	a.parsed[key] = p
	a.mu.Unlock()
	return p, nil
}
