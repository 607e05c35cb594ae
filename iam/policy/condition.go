package policy

import (
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// condition is one compiled operator/key/values triple of a Condition
// block. All of a statement's conditions must hold for it to apply.
type condition struct {
	op       opKind
	negated  bool // the Not... form: true when no value matches
	ifExists bool
	set      setQualifier
	name     string // the operator as written, e.g. "ForAnyValue:StringLike"
	key      string // lower case
	raw      []string

	strs     []pattern // string and ARN operators
	arns     [][]pattern
	nums     []float64
	times    []time.Time
	prefixes []netip.Prefix
	bools    []bool
}

type opKind uint8

const (
	opStringEquals opKind = iota
	opStringEqualsIgnoreCase
	opStringLike
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opArnLike
	opNull
)

type setQualifier uint8

const (
	setSingle setQualifier = iota
	setForAnyValue
	setForAllValues
)

type operatorInfo struct {
	op      opKind
	negated bool
}

var operators = map[string]operatorInfo{
	"StringEquals":              {opStringEquals, false},
	"StringNotEquals":           {opStringEquals, true},
	"StringEqualsIgnoreCase":    {opStringEqualsIgnoreCase, false},
	"StringNotEqualsIgnoreCase": {opStringEqualsIgnoreCase, true},
	"StringLike":                {opStringLike, false},
	"StringNotLike":             {opStringLike, true},
	"NumericEquals":             {opNumericEquals, false},
	"NumericNotEquals":          {opNumericEquals, true},
	"NumericLessThan":           {opNumericLessThan, false},
	"NumericLessThanEquals":     {opNumericLessThanEquals, false},
	"NumericGreaterThan":        {opNumericGreaterThan, false},
	"NumericGreaterThanEquals":  {opNumericGreaterThanEquals, false},
	"DateEquals":                {opDateEquals, false},
	"DateNotEquals":             {opDateEquals, true},
	"DateLessThan":              {opDateLessThan, false},
	"DateLessThanEquals":        {opDateLessThanEquals, false},
	"DateGreaterThan":           {opDateGreaterThan, false},
	"DateGreaterThanEquals":     {opDateGreaterThanEquals, false},
	"Bool":                      {opBool, false},
	"BinaryEquals":              {opBinaryEquals, false},
	"IpAddress":                 {opIPAddress, false},
	"NotIpAddress":              {opIPAddress, true},
	"ArnEquals":                 {opArnLike, false},
	"ArnLike":                   {opArnLike, false},
	"ArnNotEquals":              {opArnLike, true},
	"ArnNotLike":                {opArnLike, true},
	"Null":                      {opNull, false},
}

// parseOperator splits "ForAnyValue:StringLikeIfExists" into its parts.
// Operator names are case-sensitive, as in AWS.
func parseOperator(name string) (c condition, ok bool) {
	c.name = name
	rest := name
	if r, found := strings.CutPrefix(rest, "ForAnyValue:"); found {
		c.set, rest = setForAnyValue, r
	} else if r, found := strings.CutPrefix(rest, "ForAllValues:"); found {
		c.set, rest = setForAllValues, r
	}
	if r, found := strings.CutSuffix(rest, "IfExists"); found {
		c.ifExists, rest = true, r
	}
	info, found := operators[rest]
	if !found || info.op == opNull && (c.ifExists || c.set != setSingle) {
		return condition{}, false
	}
	c.op, c.negated = info.op, info.negated
	return c, true
}

func (ps *parser) conditions(v *jsonValue, st *statement, actions []string) ([]condition, error) {
	if v.kind != jsonObject {
		return nil, ps.syntaxError()
	}
	var out []condition
	for _, om := range v.members {
		tmpl, ok := parseOperator(om.name)
		if !ok {
			return nil, malformed(ps.kind, "Invalid Condition type : "+om.name)
		}
		if om.value.kind != jsonObject || len(om.value.members) == 0 {
			return nil, ps.syntaxError()
		}
		for _, km := range om.value.members {
			c := tmpl
			if err := ps.conditionKey(km.name, st, actions); err != nil {
				return nil, err
			}
			c.key = strings.ToLower(km.name)
			values, ok := conditionValues(&km.value)
			if !ok {
				return nil, ps.syntaxError()
			}
			c.raw = values
			if err := ps.compileValues(&c, values); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// conditionValues reads a condition value: a string, number or boolean,
// or a non-empty array of them.
func conditionValues(v *jsonValue) ([]string, bool) {
	if v.scalar() {
		return []string{v.str}, true
	}
	if v.kind != jsonArray || len(v.array) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(v.array))
	for _, e := range v.array {
		if !e.scalar() {
			return nil, false
		}
		out = append(out, e.str)
	}
	return out, true
}

func (ps *parser) invalidValue(c *condition, v string) *Error {
	if c.op == opIPAddress && ps.kind == Resource {
		return malformed(ps.kind, "Invalid IP address in Conditions")
	}
	return malformed(ps.kind, "Invalid Condition value for "+c.name+": "+v)
}

func (ps *parser) compileValues(c *condition, values []string) error {
	for _, v := range values {
		switch c.op {
		case opStringEquals, opStringEqualsIgnoreCase, opStringLike:
			p, ok := compilePattern(v, c.op == opStringLike, ps.vars, c.op == opStringEqualsIgnoreCase)
			if !ok {
				return ps.invalidValue(c, v)
			}
			c.strs = append(c.strs, p)
		case opArnLike:
			parts := strings.SplitN(v, ":", 6)
			if len(parts) != 6 && v != "*" {
				return ps.invalidValue(c, v)
			}
			var comps []pattern
			if v == "*" {
				comps = nil // matches every ARN
			} else {
				for _, part := range parts {
					p, ok := compilePattern(part, true, ps.vars, false)
					if !ok {
						return ps.invalidValue(c, v)
					}
					comps = append(comps, p)
				}
			}
			c.arns = append(c.arns, comps)
		case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return ps.invalidValue(c, v)
			}
			c.nums = append(c.nums, f)
		case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
			t, ok := parseDate(v)
			if !ok {
				return ps.invalidValue(c, v)
			}
			c.times = append(c.times, t)
		case opBool, opNull:
			switch strings.ToLower(v) {
			case "true":
				c.bools = append(c.bools, true)
			case "false":
				c.bools = append(c.bools, false)
			default:
				return ps.invalidValue(c, v)
			}
		case opBinaryEquals:
			if _, err := base64.StdEncoding.DecodeString(v); err != nil {
				return ps.invalidValue(c, v)
			}
			c.strs = append(c.strs, pattern{raw: v, shape: shapeExact, lit: v})
		case opIPAddress:
			p, ok := parseCIDR(v)
			if !ok {
				return ps.invalidValue(c, v)
			}
			c.prefixes = append(c.prefixes, p)
		}
	}
	return nil
}

// parseCIDR accepts a CIDR block or a single address (a /32 or /128).
func parseCIDR(v string) (netip.Prefix, bool) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// parseDate reads the date forms IAM accepts: ISO 8601 (with or without
// a time, fraction and zone) and epoch seconds.
func parseDate(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102T150405Z",
}

// conditionKey validates a condition key: it must carry a vendor prefix,
// and in a bucket policy it must be a key S3 knows and, for s3: keys
// limited to some actions, apply to the statement's actions.
func (ps *parser) conditionKey(key string, st *statement, actions []string) error {
	vendor, name, ok := strings.Cut(key, ":")
	if !ok || vendor == "" || name == "" {
		if ps.kind == Resource {
			return malformed(ps.kind, "Policy has an invalid condition key")
		}
		return malformed(ps.kind, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
	}
	if ps.kind != Resource {
		return nil
	}
	lkey := strings.ToLower(key)
	switch strings.ToLower(vendor) {
	case "aws":
		if !knownGlobalKey(lkey) {
			return malformed(ps.kind, "Policy has an invalid condition key")
		}
		return nil
	case "s3":
	default:
		return malformed(ps.kind, "Policy has an invalid condition key")
	}
	limited, known := s3KeyActions(lkey)
	if !known {
		return malformed(ps.kind, "Policy has an invalid condition key")
	}
	if limited == nil || st.notAction {
		return nil
	}
	for _, a := range actions {
		if strings.ContainsAny(a, "*?") {
			continue // AWS checks named actions only
		}
		_, n, _ := strings.Cut(a, ":")
		applies := false
		for _, l := range limited {
			if strings.EqualFold(l, n) {
				applies = true
				break
			}
		}
		if !applies {
			return malformed(ps.kind, "Conditions do not apply to combination of actions and resources in statement")
		}
	}
	return nil
}

var globalKeys = []string{
	"aws:calledvia", "aws:calledviafirst", "aws:calledvialast", "aws:currenttime",
	"aws:ec2instancesourceprivateipv4", "aws:ec2instancesourcevpc", "aws:epochtime",
	"aws:federatedprovider", "aws:ismcpserviceaction", "aws:multifactorauthage",
	"aws:multifactorauthpresent", "aws:principalaccount", "aws:principalarn",
	"aws:principalisawsservice", "aws:principalorgid", "aws:principalorgpaths",
	"aws:principalservicename", "aws:principalservicenameslist", "aws:principaltype",
	"aws:referer", "aws:requestedregion", "aws:resourceaccount", "aws:resourceorgid",
	"aws:resourceorgpaths", "aws:securetransport", "aws:sourceaccount", "aws:sourcearn",
	"aws:sourceidentity", "aws:sourceip", "aws:sourceorgid", "aws:sourceorgpaths",
	"aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce", "aws:sourcevpcarn",
	"aws:tagkeys", "aws:tokenissuetime", "aws:useragent", "aws:userid", "aws:username",
	"aws:viaawsservice", "aws:vpcsourceip", "aws:assumedroot", "aws:chatbotsourcearn",
}

var globalKeyPrefixes = []string{"aws:principaltag/", "aws:requesttag/", "aws:resourcetag/"}

func knownGlobalKey(lkey string) bool {
	for _, k := range globalKeys {
		if k == lkey {
			return true
		}
	}
	for _, p := range globalKeyPrefixes {
		if strings.HasPrefix(lkey, p) && len(lkey) > len(p) {
			return true
		}
	}
	return false
}

// s3KeyActions tells whether an s3: condition key exists and, when it only
// applies to some actions, which (nil: every action).
func s3KeyActions(lkey string) (actions []string, known bool) {
	for _, p := range s3KeyPrefixes {
		if strings.HasPrefix(lkey, p.prefix) && len(lkey) > len(p.prefix) {
			return p.actions, true
		}
	}
	acts, known := s3Keys[lkey]
	return acts, known
}

var (
	listActions   = []string{"ListBucket", "ListBucketVersions"}
	aclActions    = []string{"PutObject", "PutObjectAcl", "PutObjectVersionAcl", "PutBucketAcl", "CreateBucket", "BypassGovernanceRetention", "CreateAccessPoint"}
	putActions    = []string{"PutObject", "BypassGovernanceRetention", "ReplicateObject"}
	lockActions   = []string{"PutObject", "PutObjectRetention", "PutObjectLegalHold"}
	versionActs   = []string{"DeleteObjectVersion", "DeleteObjectVersionTagging", "GetObjectVersion", "GetObjectVersionAcl", "GetObjectVersionAttributes", "GetObjectVersionTagging", "GetObjectVersionTorrent", "PutObjectVersionAcl", "PutObjectVersionTagging"}
	existingTagAc = []string{"DeleteObjectTagging", "DeleteObjectVersionTagging", "GetObject", "GetObjectAcl", "GetObjectAttributes", "GetObjectTagging", "GetObjectVersion", "GetObjectVersionAcl", "GetObjectVersionAttributes", "GetObjectVersionTagging", "PutObjectAcl", "PutObjectTagging", "PutObjectVersionAcl", "PutObjectVersionTagging"}
	requestTagAc  = []string{"PutObject", "PutObjectTagging", "PutObjectVersionTagging", "BypassGovernanceRetention"}
)

var s3KeyPrefixes = []struct {
	prefix  string
	actions []string
}{
	{"s3:existingobjecttag/", existingTagAc},
	{"s3:requestobjecttag/", requestTagAc},
	{"s3:accesspointtag/", nil},
	{"s3:resourcetag/", nil},
}

var s3Keys = map[string][]string{
	"s3:accessgrantsinstancearn":                         nil,
	"s3:accessgrantscope":                                nil,
	"s3:accessgrantslocationscope":                       nil,
	"s3:accesspointnetworkorigin":                        nil,
	"s3:authtype":                                        nil,
	"s3:dataaccesspointaccount":                          nil,
	"s3:dataaccesspointarn":                              nil,
	"s3:delimiter":                                       listActions,
	"s3:destinationregion":                               nil,
	"s3:existingjoboperation":                            nil,
	"s3:existingjobpriority":                             nil,
	"s3:if-match":                                        {"PutObject", "DeleteObject"},
	"s3:if-none-match":                                   {"PutObject"},
	"s3:inventoryaccessibleoptionalfields":               nil,
	"s3:isreplicationpauserequest":                       nil,
	"s3:jobsuspendedcause":                               nil,
	"s3:locationconstraint":                              {"CreateBucket", "CreateAccessPoint"},
	"s3:max-keys":                                        listActions,
	"s3:objectcreationoperation":                         {"PutObject"},
	"s3:object-lock-legal-hold":                          {"PutObject", "PutObjectLegalHold"},
	"s3:object-lock-mode":                                lockActions,
	"s3:object-lock-remaining-retention-days":            lockActions,
	"s3:object-lock-retain-until-date":                   lockActions,
	"s3:prefix":                                          listActions,
	"s3:requestjoboperation":                             nil,
	"s3:requestjobpriority":                              nil,
	"s3:requestobjecttagkeys":                            requestTagAc,
	"s3:resourceaccount":                                 nil,
	"s3:signatureage":                                    nil,
	"s3:signatureversion":                                nil,
	"s3:tlsversion":                                      nil,
	"s3:versionid":                                       versionActs,
	"s3:x-amz-acl":                                       aclActions,
	"s3:x-amz-content-sha256":                            nil,
	"s3:x-amz-copy-source":                               putActions,
	"s3:x-amz-grant-full-control":                        aclActions,
	"s3:x-amz-grant-read":                                aclActions,
	"s3:x-amz-grant-read-acp":                            aclActions,
	"s3:x-amz-grant-write":                               aclActions,
	"s3:x-amz-grant-write-acp":                           aclActions,
	"s3:x-amz-metadata-directive":                        putActions,
	"s3:x-amz-object-ownership":                          {"CreateBucket"},
	"s3:x-amz-server-side-encryption":                    putActions,
	"s3:x-amz-server-side-encryption-aws-kms-key-id":     putActions,
	"s3:x-amz-server-side-encryption-customer-algorithm": putActions,
	"s3:x-amz-storage-class":                             {"PutObject", "PutObjectAcl", "PutObjectVersionAcl", "BypassGovernanceRetention"},
	"s3:x-amz-website-redirect-location":                 putActions,
}

// eval reports whether the condition holds for the request.
func (c *condition) eval(st *evalState) bool {
	if c.op == opNull {
		vals, present := st.values(c.key)
		present = present && len(vals) > 0
		for _, b := range c.bools {
			if b != present { // "true" means the key is absent
				return true
			}
		}
		return false
	}
	vals, ok := st.values(c.key)
	if !ok || len(vals) == 0 {
		switch {
		case c.ifExists:
			return true
		case c.set == setForAllValues:
			return true
		case c.set == setForAnyValue:
			return false
		}
		return c.negated
	}
	switch c.set {
	case setForAnyValue:
		for _, v := range vals {
			if c.matchOne(v, st) != c.negated {
				return true
			}
		}
		return false
	case setForAllValues:
		for _, v := range vals {
			if c.matchOne(v, st) == c.negated {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if c.matchOne(v, st) {
			return !c.negated
		}
	}
	return c.negated
}

// matchOne reports whether one request value matches any of the policy's
// values under the operator's positive comparison.
func (c *condition) matchOne(v string, st *evalState) bool {
	switch c.op {
	case opStringEquals, opStringEqualsIgnoreCase, opStringLike, opBinaryEquals:
		for i := range c.strs {
			if c.strs[i].match(v, st) {
				return true
			}
		}
	case opArnLike:
		for _, comps := range c.arns {
			if arnMatch(comps, v, st) {
				return true
			}
		}
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		for _, n := range c.nums {
			if compareOrdered(c.op-opNumericEquals, cmpFloat(f, n)) {
				return true
			}
		}
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := st.dateValue(c.key, v)
		if !ok {
			return false
		}
		for _, pt := range c.times {
			if compareOrdered(c.op-opDateEquals, t.Compare(pt)) {
				return true
			}
		}
	case opBool:
		for _, b := range c.bools {
			if b && strings.EqualFold(v, "true") || !b && strings.EqualFold(v, "false") {
				return true
			}
		}
	case opIPAddress:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range c.prefixes {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

// compareOrdered applies the n-th of Equals, LessThan, LessThanEquals,
// GreaterThan, GreaterThanEquals to a comparison result.
func compareOrdered(n opKind, cmp int) bool {
	switch n {
	case 0:
		return cmp == 0
	case 1:
		return cmp < 0
	case 2:
		return cmp <= 0
	case 3:
		return cmp > 0
	case 4:
		return cmp >= 0
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// arnMatch matches an ARN component by component; nil comps is "*".
func arnMatch(comps []pattern, v string, st *evalState) bool {
	if comps == nil {
		return true
	}
	for i := range comps {
		part := v
		if i < len(comps)-1 {
			j := strings.IndexByte(v, ':')
			if j < 0 {
				return false
			}
			part, v = v[:j], v[j+1:]
		}
		if !comps[i].match(part, st) {
			return false
		}
	}
	return true
}
