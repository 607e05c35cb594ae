package policy

import "strconv"

// Size quotas of policy documents, in characters, counted without the
// whitespace between JSON tokens as IAM counts them.
const (
	// MaxUserInlineSize bounds the sum of all inline policies of one user.
	MaxUserInlineSize = 2048
	// MaxGroupInlineSize bounds the sum of all inline policies of one group.
	MaxGroupInlineSize = 5120
	// MaxRoleInlineSize bounds the sum of all inline policies of one role.
	MaxRoleInlineSize = 10240
	// MaxManagedSize bounds one managed policy (each version).
	MaxManagedSize = 6144
	// MaxTrustSize bounds a role's trust policy.
	MaxTrustSize = 2048
	// MaxSessionSize bounds a session policy passed to AssumeRole.
	MaxSessionSize = 2048
	// MaxBucketPolicySize bounds a bucket policy (20 KiB, in bytes).
	MaxBucketPolicySize = 20 * 1024
)

const msgBucketPolicyTooLarge = "Policies must be no more than 20 KB"

// Size is the size of a policy document as IAM counts it against its
// quotas: characters, leaving out whitespace between JSON tokens.
func Size(doc []byte) int { return compactSize(doc, true) }

// Quota names which IAM quota a size check is against; it decides the
// message of the LimitExceeded error.
type Quota uint8

const (
	QuotaUserInline Quota = iota + 1
	QuotaGroupInline
	QuotaRoleInline
	QuotaManaged
	QuotaTrust
	QuotaSession
)

// Max is the quota's limit in characters.
func (q Quota) Max() int {
	switch q {
	case QuotaUserInline:
		return MaxUserInlineSize
	case QuotaGroupInline:
		return MaxGroupInlineSize
	case QuotaRoleInline:
		return MaxRoleInlineSize
	case QuotaManaged:
		return MaxManagedSize
	case QuotaTrust:
		return MaxTrustSize
	case QuotaSession:
		return MaxSessionSize
	}
	return 0
}

// CheckSize refuses a size (from Size; for inline policies the sum over
// all the entity's inline policies, the new one included) over the quota,
// with IAM's LimitExceeded error (409). entity names the user, group or
// role for the inline quotas' message ("alice"); it is unused otherwise.
// A session policy over its quota is a PackedPolicyTooLarge-class refusal
// in AWS; zones3 reports it as MalformedPolicyDocument.
func CheckSize(size int, q Quota, entity string) error {
	max := q.Max()
	if size <= max {
		return nil
	}
	limit := strconv.Itoa(max)
	switch q {
	case QuotaUserInline:
		return limitExceeded("Maximum policy size of " + limit + " bytes exceeded for user " + entity)
	case QuotaGroupInline:
		return limitExceeded("Maximum policy size of " + limit + " bytes exceeded for group " + entity)
	case QuotaRoleInline:
		return limitExceeded("Maximum policy size of " + limit + " bytes exceeded for role " + entity)
	case QuotaTrust:
		return limitExceeded("Cannot exceed quota for ACLSizePerRole: " + limit)
	case QuotaSession:
		return malformed(Identity, "Policy exceeds the maximum allowed size of "+limit+" characters")
	}
	return limitExceeded("Cannot exceed quota for PolicySize: " + limit)
}
