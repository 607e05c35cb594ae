package iam

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The two query APIs served on one endpoint, told apart by Action (and
// Version).
const (
	iamVersion   = "2010-05-08"
	stsVersion   = "2011-06-15"
	iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	// maxAPIBody bounds the form of one request: the largest parameters
	// are policy documents of a few KiB.
	maxAPIBody = 1 << 20
)

// APIConfig is what NewAPI needs.
type APIConfig struct {
	Directory *Directory
	// Verifier authenticates requests; its Keys should be the Directory.
	Verifier *Verifier
	// Authorize decides whether id may perform action ("iam:CreateUser",
	// "sts:AssumeRole") on resource (an ARN); nil error allows. It is not
	// asked for the root user, which may do everything. nil means nobody
	// but root may.
	Authorize func(ctx context.Context, id *Identity, action, resource string) error
	// TrustPolicy decides whether caller may assume the role roleARN whose
	// trust policy is doc, weighing the caller's own policies too (as
	// Authorizer.Trust does); nil error allows. nil means
	// TrustPolicyAllows plus Authorize for sts:AssumeRole.
	TrustPolicy func(ctx context.Context, doc []byte, caller *Identity, roleARN string) error
	// Logger receives one Info line per refused request and every
	// internal error; nil means slog.Default().
	Logger *slog.Logger
}

// API serves the IAM and STS query APIs: form-encoded POST (or GET) with
// Action and Version, signed with SigV4, answered in their XML.
type API struct {
	dir       *Directory
	verifier  *Verifier
	authorize func(ctx context.Context, id *Identity, action, resource string) error
	trust     func(ctx context.Context, doc []byte, caller *Identity, roleARN string) error
	// trustDecides: trust alone decides AssumeRole (APIConfig.TrustPolicy
	// was given).
	trustDecides bool
	log          *slog.Logger
}

// NewAPI returns the handler of the IAM and STS query APIs.
func NewAPI(cfg APIConfig) *API {
	a := &API{dir: cfg.Directory, verifier: cfg.Verifier, authorize: cfg.Authorize, trust: cfg.TrustPolicy, trustDecides: cfg.TrustPolicy != nil, log: cfg.Logger}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.trust == nil {
		a.trust = func(_ context.Context, doc []byte, caller *Identity, _ string) error {
			return TrustPolicyAllows(doc, caller, a.dir.Account())
		}
	}
	return a
}

// IsAPIRequest reports whether r is meant for the IAM or STS API rather
// than S3: a POST of a form to "/", a request to "/" with an Action query
// parameter, or one whose SigV4 credential scope names iam or sts. S3 has
// no operation on POST / or with Action, so none is taken from it. A
// virtual-host-style request (bucket in the Host) is S3's: the caller
// checks that.
func IsAPIRequest(r *http.Request) bool {
	if service := scopeService(r); service == "iam" || service == "sts" {
		return true
	}
	if r.URL.Path != "/" {
		return false
	}
	if r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/x-www-form-urlencoded" {
			return true
		}
	}
	return strings.Contains(r.URL.RawQuery, "Action=") && r.URL.Query().Get("Action") != ""
}

// scopeService returns the service of a SigV4 credential scope in the
// Authorization header or X-Amz-Credential query parameter, or "".
func scopeService(r *http.Request) string {
	parts := strings.Split(sigV4Credential(r), "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

// credentialAccessKey is the access key a SigV4 request names, for the
// audit line of a request that did not authenticate.
func credentialAccessKey(r *http.Request) string {
	ak, _, _ := strings.Cut(sigV4Credential(r), "/")
	if len(ak) > 128 {
		ak = ak[:128]
	}
	return ak
}

// sigV4Credential is the Credential of a SigV4 Authorization header or the
// X-Amz-Credential query parameter, unchecked.
func sigV4Credential(r *http.Request) string {
	cred := ""
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "AWS4-") {
		if _, rest, ok := strings.Cut(h, "Credential="); ok {
			cred, _, _ = strings.Cut(rest, ",")
		}
	} else if strings.Contains(r.URL.RawQuery, "X-Amz-Credential") {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	return strings.TrimSpace(cred)
}

// call is one API request being served.
type call struct {
	api       *API
	ctx       context.Context
	w         http.ResponseWriter
	r         *http.Request
	requestID string
	params    url.Values
	action    string
	sts       bool
	auth      Auth
	id        *Identity
	// For the audit line of a refused request.
	iamAction string
	resource  string
	reason    string
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{api: a, ctx: r.Context(), w: w, r: r, requestID: newRequestUUID()}
	w.Header().Set("X-Amzn-Requestid", c.requestID)
	if err := c.serve(); err != nil {
		c.writeError(err)
	}
}

func (c *call) serve() error {
	body, bodyErr := readBody(c.r)
	c.params = parseParams(c.r, body)
	c.action = c.params.Get("Action")
	if act, ok := actions[c.action]; ok {
		c.sts = act.sts
	} else {
		c.sts = c.params.Get("Version") == stsVersion
	}
	if bodyErr != nil {
		return bodyErr
	}

	auth, err := c.api.verifier.Verify(c.r)
	if err != nil {
		c.auth.AccessKey = credentialAccessKey(c.r)
		c.reason = detailOf(err)
		return authError(err)
	}
	c.auth = auth
	switch {
	case auth.Method == AuthAnonymous:
		c.reason = "no credentials"
		return newError(CodeMissingAuthenticationToken, http.StatusForbidden, "Request is missing Authentication Token")
	case auth.Method != AuthV4Header && auth.Method != AuthV4Query:
		c.reason = "not signed with SigV4"
		return newError(CodeIncompleteSignature, http.StatusBadRequest, "IAM and STS requests must be signed with Signature Version 4.")
	case auth.Service == "s3":
		c.reason = "credential scoped to s3"
		want := "iam"
		if c.sts {
			want = "sts"
		}
		return newError(CodeSignatureDoesNotMatch, http.StatusForbidden, "Credential should be scoped to correct service: '%s'.", want)
	}
	if err := checkPayload(auth.PayloadHash, body); err != nil {
		c.reason = err.Message
		return err
	}
	id, err := c.api.dir.Identity(auth.AccessKey, auth.SessionToken)
	if err != nil {
		c.reason = detailOf(err)
		return authError(err)
	}
	c.id = id

	if c.params == nil {
		return newError(CodeMalformedQueryString, http.StatusBadRequest, "The request's parameters are not a valid form.")
	}
	if c.action == "" {
		return newError(CodeMissingAction, http.StatusBadRequest, "Missing Action")
	}
	act, ok := actions[c.action]
	version := c.params.Get("Version")
	if !ok || version != "" && version != act.version() {
		if version == "" {
			version = iamVersion
		}
		return newError(CodeInvalidAction, http.StatusBadRequest, "Could not find operation %s for version %s", c.action, version)
	}
	return act.run(c)
}

// readBody reads the form body, up to maxAPIBody, and puts it back for
// the Verifier.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody+1))
	r.Body.Close()
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if err != nil {
		return nil, newError(CodeMalformedQueryString, http.StatusBadRequest, "The request body could not be read.")
	}
	if len(body) > maxAPIBody {
		return nil, newError(CodeLimitExceeded, http.StatusRequestEntityTooLarge, "The request body is over %d bytes.", maxAPIBody)
	}
	return body, nil
}

// parseParams merges the form body and the query string (signature
// parameters aside); nil when either is not a valid form. A parameter
// given more than once counts with its first value.
func parseParams(r *http.Request, body []byte) url.Values {
	params := url.Values{}
	if len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil
		}
		for k, v := range form {
			params[k] = v
		}
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil
	}
	for k, v := range query {
		if strings.HasPrefix(k, "X-Amz-") {
			continue
		}
		params[k] = append(params[k], v...)
	}
	return params
}

// checkPayload compares the payload hash a signature covers with the body.
func checkPayload(hash string, body []byte) *Error {
	switch {
	case hash == UnsignedPayload:
		return nil
	case len(hash) == 64:
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != strings.ToLower(hash) {
			return newError(CodeSignatureDoesNotMatch, http.StatusForbidden, "The provided x-amz-content-sha256 does not match the request body.")
		}
		return nil
	}
	return newError(CodeIncompleteSignature, http.StatusBadRequest, "IAM and STS requests take no streaming payloads.")
}

// authError maps a Verifier or Identity error to the IAM error AWS answers
// with.
func authError(err error) *Error {
	switch {
	case errors.Is(err, ErrInvalidAccessKeyID), errors.Is(err, ErrInvalidToken):
		return newError(CodeInvalidClientTokenID, http.StatusForbidden, "The security token included in the request is invalid.")
	case errors.Is(err, ErrExpiredToken):
		return newError(CodeExpiredToken, http.StatusForbidden, "The security token included in the request is expired")
	case errors.Is(err, ErrSignatureDoesNotMatch):
		return newError(CodeSignatureDoesNotMatch, http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	case errors.Is(err, ErrRequestTimeTooSkewed), errors.Is(err, ErrNotYetValid):
		return newError(CodeSignatureDoesNotMatch, http.StatusForbidden, "Signature not yet current or expired: %s", detailOf(err))
	case errors.Is(err, ErrExpired):
		return newError(CodeRequestExpired, http.StatusBadRequest, "Request has expired: %s", detailOf(err))
	}
	return newError(CodeIncompleteSignature, http.StatusBadRequest, "%s", detailOf(err))
}

// detailOf is an error's message without the "iam: " of the sentinels.
func detailOf(err error) string {
	return strings.ReplaceAll(err.Error(), "iam: ", "")
}

// writeError answers err as an <ErrorResponse>. Refusals (403) get an
// audit line.
func (c *call) writeError(err error) {
	e, ok := asError(err)
	if !ok {
		switch {
		case errors.Is(err, ErrStoreUnavailable):
			e = newError(CodeServiceUnavailable, http.StatusServiceUnavailable, "Not enough storage nodes are reachable to serve this request. Please retry.")
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			e = newError(CodeServiceUnavailable, http.StatusServiceUnavailable, "The request was cancelled.")
		default:
			e = newError(CodeServiceFailure, http.StatusInternalServerError, "The request processing has failed because of an unknown error, exception or failure.")
		}
		c.api.log.Error("iam internal error", "action", c.action, "request_id", c.requestID, "err", err)
	}
	if e.Status == http.StatusForbidden {
		c.audit(e)
	}
	ns, errType := iamNamespace, "Sender"
	if c.sts {
		ns = stsNamespace
	}
	if e.Status >= 500 {
		errType = "Receiver"
	}
	x := newXMLDoc()
	x.openNS("ErrorResponse", ns)
	x.open("Error")
	x.elem("Type", errType)
	x.elem("Code", e.Code)
	x.elem("Message", e.Message)
	x.close("Error")
	x.elem("RequestId", c.requestID)
	x.close("ErrorResponse")
	c.write(e.Status, x)
}

// audit logs one refused request: who, what, on what and why.
func (c *call) audit(e *Error) {
	who, arn := c.auth.AccessKey, ""
	if c.id != nil {
		arn = c.id.ARN
	}
	action := c.iamAction
	if action == "" && c.action != "" {
		action = "iam:" + c.action
		if c.sts {
			action = "sts:" + c.action
		}
	}
	reason := c.reason
	if reason == "" {
		reason = e.Message
	}
	c.api.log.LogAttrs(c.ctx, slog.LevelInfo, "iam request denied",
		slog.String("access_key", who),
		slog.String("arn", arn),
		slog.String("action", action),
		slog.String("resource", c.resource),
		slog.String("code", e.Code),
		slog.String("reason", reason),
		slog.String("remote", c.r.RemoteAddr),
		slog.String("request_id", c.requestID))
}

func (c *call) write(status int, x *xmlDoc) {
	b := x.bytes()
	h := c.w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	c.w.WriteHeader(status)
	c.w.Write(b)
}

// respond writes <ActionResponse> with the result the function writes, or
// none when result is nil.
func (c *call) respond(result func(x *xmlDoc)) error {
	ns := iamNamespace
	if c.sts {
		ns = stsNamespace
	}
	x := newXMLDoc()
	x.openNS(c.action+"Response", ns)
	if result != nil {
		x.open(c.action + "Result")
		result(x)
		x.close(c.action + "Result")
	}
	x.open("ResponseMetadata")
	x.elem("RequestId", c.requestID)
	x.close("ResponseMetadata")
	x.close(c.action + "Response")
	c.write(http.StatusOK, x)
	return nil
}

// authorize asks whether the caller may perform action on resource. The
// refusal is AWS's AccessDenied.
func (c *call) authorize(action, resource string) error {
	c.iamAction, c.resource = action, resource
	if c.id.Root {
		return nil
	}
	var err error
	if c.api.authorize == nil {
		err = errors.New("only the root user may use IAM and STS: no policy evaluator is configured")
	} else {
		err = c.api.authorize(c.ctx, c.id, action, resource)
	}
	if err == nil {
		return nil
	}
	c.reason = err.Error()
	return accessDenied("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action", c.id.ARN, action, resource, action)
}

// Parameters.

func fieldName(param string) string {
	if param == "" {
		return param
	}
	return strings.ToLower(param[:1]) + param[1:]
}

func (c *call) param(name string) string { return c.params.Get(name) }

func (c *call) has(name string) bool { _, ok := c.params[name]; return ok }

func (c *call) required(name string) (string, error) {
	v, ok := c.params[name]
	if !ok || len(v) == 0 {
		return "", validationErrorf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", fieldName(name))
	}
	return v[0], nil
}

func (c *call) intParam(name string, def, min, max int) (int, error) {
	s, ok := c.params[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(s[0])
	if err != nil {
		return 0, validationErrorf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be an integer", s[0], fieldName(name))
	}
	if n < min {
		return 0, validationErrorf("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", n, fieldName(name), min)
	}
	if n > max {
		return 0, validationErrorf("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", n, fieldName(name), max)
	}
	return n, nil
}

func (c *call) boolParam(name string) (bool, error) {
	switch s := c.param(name); s {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, validationErrorf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be true or false", s, fieldName(name))
	}
}

// tags reads Tags.member.N.Key / Tags.member.N.Value.
func (c *call) tags() ([]Tag, error) {
	var tags []Tag
	for i := 1; ; i++ {
		p := "Tags.member." + strconv.Itoa(i) + "."
		key, hasKey := c.params[p+"Key"]
		value, hasValue := c.params[p+"Value"]
		if !hasKey && !hasValue {
			break
		}
		if !hasKey || !hasValue {
			return nil, validationErrorf("1 validation error detected: Tag %d needs a Key and a Value", i)
		}
		tags = append(tags, Tag{Key: key[0], Value: value[0]})
		if i > maxTagsPerEntity {
			return nil, limitExceeded("Cannot exceed quota for TagsPerEntity: %d", maxTagsPerEntity)
		}
	}
	return tags, nil
}

// Default and largest page of a listing.
const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
)

// page cuts a listing sorted by key into the page Marker and MaxItems ask
// for; next is the Marker of the following page, "" on the last.
func page[T any](c *call, items []T, key func(T) string) (out []T, next string, err error) {
	maxItems, err := c.intParam("MaxItems", defaultMaxItems, 1, maxMaxItems)
	if err != nil {
		return nil, "", err
	}
	if marker := c.param("Marker"); marker != "" {
		i := 0
		for i < len(items) && key(items[i]) <= marker {
			i++
		}
		items = items[i:]
	}
	if len(items) > maxItems {
		return items[:maxItems], key(items[maxItems-1]), nil
	}
	return items, "", nil
}

// truncation writes IsTruncated and the next Marker.
func truncation(x *xmlDoc, next string) {
	x.bool("IsTruncated", next != "")
	x.opt("Marker", next)
}

// newRequestUUID returns a random UUID, the form of IAM's request IDs.
func newRequestUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}
