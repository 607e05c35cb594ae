package policy

import "strings"

// Action names zones3 authorises. The gateway and the IAM API pass these to
// Evaluate; every other real S3, IAM and STS action name is still accepted
// in policies (see s3Actions, iamActions, stsActions).
const (
	ActionGetObject                   = "s3:GetObject"
	ActionGetObjectVersion            = "s3:GetObjectVersion"
	ActionPutObject                   = "s3:PutObject"
	ActionDeleteObject                = "s3:DeleteObject"
	ActionDeleteObjectVersion         = "s3:DeleteObjectVersion"
	ActionListBucket                  = "s3:ListBucket"
	ActionListBucketVersions          = "s3:ListBucketVersions"
	ActionListAllMyBuckets            = "s3:ListAllMyBuckets"
	ActionCreateBucket                = "s3:CreateBucket"
	ActionDeleteBucket                = "s3:DeleteBucket"
	ActionGetBucketLocation           = "s3:GetBucketLocation"
	ActionListBucketMultipartUploads  = "s3:ListBucketMultipartUploads"
	ActionListMultipartUploadParts    = "s3:ListMultipartUploadParts"
	ActionAbortMultipartUpload        = "s3:AbortMultipartUpload"
	ActionGetObjectTagging            = "s3:GetObjectTagging"
	ActionPutObjectTagging            = "s3:PutObjectTagging"
	ActionDeleteObjectTagging         = "s3:DeleteObjectTagging"
	ActionGetObjectVersionTagging     = "s3:GetObjectVersionTagging"
	ActionPutObjectVersionTagging     = "s3:PutObjectVersionTagging"
	ActionDeleteObjectVersionTagging  = "s3:DeleteObjectVersionTagging"
	ActionGetBucketTagging            = "s3:GetBucketTagging"
	ActionPutBucketTagging            = "s3:PutBucketTagging"
	ActionGetBucketVersioning         = "s3:GetBucketVersioning"
	ActionPutBucketVersioning         = "s3:PutBucketVersioning"
	ActionGetLifecycleConfiguration   = "s3:GetLifecycleConfiguration"
	ActionPutLifecycleConfiguration   = "s3:PutLifecycleConfiguration"
	ActionGetBucketPolicy             = "s3:GetBucketPolicy"
	ActionPutBucketPolicy             = "s3:PutBucketPolicy"
	ActionDeleteBucketPolicy          = "s3:DeleteBucketPolicy"
	ActionGetBucketPolicyStatus       = "s3:GetBucketPolicyStatus"
	ActionGetBucketAcl                = "s3:GetBucketAcl"
	ActionPutBucketAcl                = "s3:PutBucketAcl"
	ActionGetObjectAcl                = "s3:GetObjectAcl"
	ActionPutObjectAcl                = "s3:PutObjectAcl"
	ActionGetObjectVersionAcl         = "s3:GetObjectVersionAcl"
	ActionPutObjectVersionAcl         = "s3:PutObjectVersionAcl"
	ActionGetObjectAttributes         = "s3:GetObjectAttributes"
	ActionGetObjectVersionAttributes  = "s3:GetObjectVersionAttributes"
	ActionGetBucketCORS               = "s3:GetBucketCORS"
	ActionPutBucketCORS               = "s3:PutBucketCORS"
	ActionGetEncryptionConfiguration  = "s3:GetEncryptionConfiguration"
	ActionPutEncryptionConfiguration  = "s3:PutEncryptionConfiguration"
	ActionGetBucketObjectLockConfig   = "s3:GetBucketObjectLockConfiguration"
	ActionPutBucketObjectLockConfig   = "s3:PutBucketObjectLockConfiguration"
	ActionGetBucketOwnershipControls  = "s3:GetBucketOwnershipControls"
	ActionPutBucketOwnershipControls  = "s3:PutBucketOwnershipControls"
	ActionGetBucketPublicAccessBlock  = "s3:GetBucketPublicAccessBlock"
	ActionPutBucketPublicAccessBlock  = "s3:PutBucketPublicAccessBlock"
	ActionRestoreObject               = "s3:RestoreObject"
	ActionBypassGovernanceRetention   = "s3:BypassGovernanceRetention"
	ActionGetObjectRetention          = "s3:GetObjectRetention"
	ActionPutObjectRetention          = "s3:PutObjectRetention"
	ActionGetObjectLegalHold          = "s3:GetObjectLegalHold"
	ActionPutObjectLegalHold          = "s3:PutObjectLegalHold"
	ActionGetBucketNotification       = "s3:GetBucketNotification"
	ActionPutBucketNotification       = "s3:PutBucketNotification"
	ActionGetBucketWebsite            = "s3:GetBucketWebsite"
	ActionPutBucketWebsite            = "s3:PutBucketWebsite"
	ActionDeleteBucketWebsite         = "s3:DeleteBucketWebsite"
	ActionGetBucketLogging            = "s3:GetBucketLogging"
	ActionPutBucketLogging            = "s3:PutBucketLogging"
	ActionGetReplicationConfiguration = "s3:GetReplicationConfiguration"
	ActionPutReplicationConfiguration = "s3:PutReplicationConfiguration"
	ActionGetBucketRequestPayment     = "s3:GetBucketRequestPayment"
	ActionPutBucketRequestPayment     = "s3:PutBucketRequestPayment"
	ActionGetAccelerateConfiguration  = "s3:GetAccelerateConfiguration"
	ActionPutAccelerateConfiguration  = "s3:PutAccelerateConfiguration"

	ActionIAMAll        = "iam:*"
	ActionAssumeRole    = "sts:AssumeRole"
	ActionGetCallerID   = "sts:GetCallerIdentity"
	ActionGetSessionTok = "sts:GetSessionToken"
)

// resourceType is what an action's resource ARN names. A bucket policy
// statement whose actions apply to none of its resources is refused, as S3
// does ("Action does not apply to any resource(s) in statement").
type resourceType uint8

const (
	onAccount resourceType = iota // no resource ARN: the account ("*")
	onBucket                      // arn:aws:s3:::bucket (or an access point)
	onObject                      // arn:aws:s3:::bucket/key (or through an access point)
	onOther                       // jobs, Storage Lens, Access Grants, Multi-Region Access Points
)

type actionInfo struct {
	name string // canonical spelling, e.g. "GetObject"
	on   resourceType
}

// s3Actions lists every action name of the "s3" service prefix in AWS's
// Service Authorization Reference, with the resource type it applies to.
// Names are matched case-insensitively.
var s3Actions = []actionInfo{
	{"AbortMultipartUpload", onObject},
	{"AssociateAccessGrantsIdentityCenter", onOther},
	{"BypassGovernanceRetention", onObject},
	{"CreateAccessGrant", onOther},
	{"CreateAccessGrantsInstance", onOther},
	{"CreateAccessGrantsLocation", onOther},
	{"CreateAccessPoint", onOther},
	{"CreateAccessPointForObjectLambda", onOther},
	{"CreateBucket", onBucket},
	{"CreateBucketMetadataTableConfiguration", onBucket},
	{"CreateJob", onAccount},
	{"CreateMultiRegionAccessPoint", onOther},
	{"CreateStorageLensGroup", onAccount},
	{"DeleteAccessGrant", onOther},
	{"DeleteAccessGrantsInstance", onOther},
	{"DeleteAccessGrantsInstanceResourcePolicy", onOther},
	{"DeleteAccessGrantsLocation", onOther},
	{"DeleteAccessPoint", onOther},
	{"DeleteAccessPointForObjectLambda", onOther},
	{"DeleteAccessPointPolicy", onOther},
	{"DeleteAccessPointPolicyForObjectLambda", onOther},
	{"DeleteBucket", onBucket},
	{"DeleteBucketMetadataTableConfiguration", onBucket},
	{"DeleteBucketOwnershipControls", onBucket},
	{"DeleteBucketPolicy", onBucket},
	{"DeleteBucketWebsite", onBucket},
	{"DeleteJobTagging", onOther},
	{"DeleteMultiRegionAccessPoint", onOther},
	{"DeleteObject", onObject},
	{"DeleteObjectTagging", onObject},
	{"DeleteObjectVersion", onObject},
	{"DeleteObjectVersionTagging", onObject},
	{"DeleteStorageLensConfiguration", onOther},
	{"DeleteStorageLensConfigurationTagging", onOther},
	{"DeleteStorageLensGroup", onOther},
	{"DescribeJob", onOther},
	{"DescribeMultiRegionAccessPointOperation", onOther},
	{"DissociateAccessGrantsIdentityCenter", onOther},
	{"GetAccelerateConfiguration", onBucket},
	{"GetAccessGrant", onOther},
	{"GetAccessGrantsInstance", onOther},
	{"GetAccessGrantsInstanceForPrefix", onOther},
	{"GetAccessGrantsInstanceResourcePolicy", onOther},
	{"GetAccessGrantsLocation", onOther},
	{"GetAccessPoint", onAccount},
	{"GetAccessPointConfigurationForObjectLambda", onOther},
	{"GetAccessPointForObjectLambda", onOther},
	{"GetAccessPointPolicy", onOther},
	{"GetAccessPointPolicyForObjectLambda", onOther},
	{"GetAccessPointPolicyStatus", onOther},
	{"GetAccessPointPolicyStatusForObjectLambda", onOther},
	{"GetAccountPublicAccessBlock", onAccount},
	{"GetAnalyticsConfiguration", onBucket},
	{"GetBucketAbac", onBucket},
	{"GetBucketAcl", onBucket},
	{"GetBucketCORS", onBucket},
	{"GetBucketLocation", onBucket},
	{"GetBucketLogging", onBucket},
	{"GetBucketMetadataTableConfiguration", onBucket},
	{"GetBucketNotification", onBucket},
	{"GetBucketObjectLockConfiguration", onBucket},
	{"GetBucketOwnershipControls", onBucket},
	{"GetBucketPolicy", onBucket},
	{"GetBucketPolicyStatus", onBucket},
	{"GetBucketPublicAccessBlock", onBucket},
	{"GetBucketRequestPayment", onBucket},
	{"GetBucketTagging", onBucket},
	{"GetBucketVersioning", onBucket},
	{"GetBucketWebsite", onBucket},
	{"GetDataAccess", onOther},
	{"GetEncryptionConfiguration", onBucket},
	{"GetIntelligentTieringConfiguration", onBucket},
	{"GetInventoryConfiguration", onBucket},
	{"GetJobTagging", onOther},
	{"GetLifecycleConfiguration", onBucket},
	{"GetMetricsConfiguration", onBucket},
	{"GetMultiRegionAccessPoint", onOther},
	{"GetMultiRegionAccessPointPolicy", onOther},
	{"GetMultiRegionAccessPointPolicyStatus", onOther},
	{"GetMultiRegionAccessPointRoutes", onOther},
	{"GetObject", onObject},
	{"GetObjectAcl", onObject},
	{"GetObjectAttributes", onObject},
	{"GetObjectLegalHold", onObject},
	{"GetObjectRetention", onObject},
	{"GetObjectTagging", onObject},
	{"GetObjectTorrent", onObject},
	{"GetObjectVersion", onObject},
	{"GetObjectVersionAcl", onObject},
	{"GetObjectVersionAttributes", onObject},
	{"GetObjectVersionForReplication", onObject},
	{"GetObjectVersionTagging", onObject},
	{"GetObjectVersionTorrent", onObject},
	{"GetReplicationConfiguration", onBucket},
	{"GetStorageLensConfiguration", onOther},
	{"GetStorageLensConfigurationTagging", onOther},
	{"GetStorageLensDashboard", onOther},
	{"GetStorageLensGroup", onOther},
	{"InitiateReplication", onObject},
	{"ListAccessGrants", onOther},
	{"ListAccessGrantsInstances", onAccount},
	{"ListAccessGrantsLocations", onOther},
	{"ListAccessPoints", onAccount},
	{"ListAccessPointsForObjectLambda", onAccount},
	{"ListAllMyBuckets", onAccount},
	{"ListBucket", onBucket},
	{"ListBucketMultipartUploads", onBucket},
	{"ListBucketVersions", onBucket},
	{"ListCallerAccessGrants", onOther},
	{"ListJobs", onAccount},
	{"ListMultiRegionAccessPoints", onAccount},
	{"ListMultipartUploadParts", onObject},
	{"ListStorageLensConfigurations", onAccount},
	{"ListStorageLensGroups", onAccount},
	{"ListTagsForResource", onBucket},
	{"ObjectOwnerOverrideToBucketOwner", onObject},
	{"PauseReplication", onBucket},
	{"PutAccelerateConfiguration", onBucket},
	{"PutAccessGrantsInstanceResourcePolicy", onOther},
	{"PutAccessPointConfigurationForObjectLambda", onOther},
	{"PutAccessPointPolicy", onOther},
	{"PutAccessPointPolicyForObjectLambda", onOther},
	{"PutAccessPointPublicAccessBlock", onAccount},
	{"PutAccountPublicAccessBlock", onAccount},
	{"PutAnalyticsConfiguration", onBucket},
	{"PutBucketAbac", onBucket},
	{"PutBucketAcl", onBucket},
	{"PutBucketCORS", onBucket},
	{"PutBucketLogging", onBucket},
	{"PutBucketNotification", onBucket},
	{"PutBucketObjectLockConfiguration", onBucket},
	{"PutBucketOwnershipControls", onBucket},
	{"PutBucketPolicy", onBucket},
	{"PutBucketPublicAccessBlock", onBucket},
	{"PutBucketRequestPayment", onBucket},
	{"PutBucketTagging", onBucket},
	{"PutBucketVersioning", onBucket},
	{"PutBucketWebsite", onBucket},
	{"PutEncryptionConfiguration", onBucket},
	{"PutIntelligentTieringConfiguration", onBucket},
	{"PutInventoryConfiguration", onBucket},
	{"PutJobTagging", onOther},
	{"PutLifecycleConfiguration", onBucket},
	{"PutMetricsConfiguration", onBucket},
	{"PutMultiRegionAccessPointPolicy", onOther},
	{"PutObject", onObject},
	{"PutObjectAcl", onObject},
	{"PutObjectLegalHold", onObject},
	{"PutObjectRetention", onObject},
	{"PutObjectTagging", onObject},
	{"PutObjectVersionAcl", onObject},
	{"PutObjectVersionTagging", onObject},
	{"PutReplicationConfiguration", onBucket},
	{"PutStorageLensConfiguration", onAccount},
	{"PutStorageLensConfigurationTagging", onOther},
	{"ReplicateDelete", onObject},
	{"ReplicateObject", onObject},
	{"ReplicateTags", onObject},
	{"RestoreObject", onObject},
	{"SubmitMultiRegionAccessPointRoutes", onOther},
	{"TagResource", onBucket},
	{"UntagResource", onBucket},
	{"UpdateAccessGrantsLocation", onOther},
	{"UpdateBucketMetadataInventoryTableConfiguration", onBucket},
	{"UpdateBucketMetadataJournalTableConfiguration", onBucket},
	{"UpdateJobPriority", onOther},
	{"UpdateJobStatus", onOther},
	{"UpdateStorageLensGroup", onOther},
}

// iamActions lists the "iam" action names: every operation of the IAM query
// API (the ones zones3 serves and the rest), so that a policy written for
// AWS parses here unchanged.
var iamActions = []string{
	"AddClientIDToOpenIDConnectProvider", "AddRoleToInstanceProfile", "AddUserToGroup",
	"AttachGroupPolicy", "AttachRolePolicy", "AttachUserPolicy",
	"ChangePassword", "CreateAccessKey", "CreateAccountAlias", "CreateGroup",
	"CreateInstanceProfile", "CreateLoginProfile", "CreateOpenIDConnectProvider",
	"CreatePolicy", "CreatePolicyVersion", "CreateRole", "CreateSAMLProvider",
	"CreateServiceLinkedRole", "CreateServiceSpecificCredential", "CreateUser",
	"CreateVirtualMFADevice", "DeactivateMFADevice", "DeleteAccessKey",
	"DeleteAccountAlias", "DeleteAccountPasswordPolicy", "DeleteCloudFrontPublicKey",
	"DeleteGroup", "DeleteGroupPolicy", "DeleteInstanceProfile", "DeleteLoginProfile",
	"DeleteOpenIDConnectProvider", "DeletePolicy", "DeletePolicyVersion", "DeleteRole",
	"DeleteRolePermissionsBoundary", "DeleteRolePolicy", "DeleteSAMLProvider",
	"DeleteSSHPublicKey", "DeleteServerCertificate", "DeleteServiceLinkedRole",
	"DeleteServiceSpecificCredential", "DeleteSigningCertificate", "DeleteUser",
	"DeleteUserPermissionsBoundary", "DeleteUserPolicy", "DeleteVirtualMFADevice",
	"DetachGroupPolicy", "DetachRolePolicy", "DetachUserPolicy",
	"DisableOrganizationsRootCredentialsManagement", "DisableOrganizationsRootSessions",
	"EnableMFADevice", "EnableOrganizationsRootCredentialsManagement",
	"EnableOrganizationsRootSessions", "GenerateCredentialReport",
	"GenerateOrganizationsAccessReport", "GenerateServiceLastAccessedDetails",
	"GetAccessKeyLastUsed", "GetAccountAuthorizationDetails", "GetAccountEmailAddress",
	"GetAccountName", "GetAccountPasswordPolicy", "GetAccountSummary",
	"GetCloudFrontPublicKey", "GetContextKeysForCustomPolicy",
	"GetContextKeysForPrincipalPolicy", "GetCredentialReport", "GetGroup",
	"GetGroupPolicy", "GetInstanceProfile", "GetLoginProfile", "GetMFADevice",
	"GetOpenIDConnectProvider", "GetOrganizationsAccessReport", "GetPolicy",
	"GetPolicyVersion", "GetRole", "GetRolePolicy", "GetSAMLProvider",
	"GetSSHPublicKey", "GetServerCertificate", "GetServiceLastAccessedDetails",
	"GetServiceLastAccessedDetailsWithEntities", "GetServiceLinkedRoleDeletionStatus",
	"GetUser", "GetUserPolicy", "ListAccessKeys", "ListAccountAliases",
	"ListAttachedGroupPolicies", "ListAttachedRolePolicies", "ListAttachedUserPolicies",
	"ListCloudFrontPublicKeys", "ListEntitiesForPolicy", "ListGroupPolicies",
	"ListGroups", "ListGroupsForUser", "ListInstanceProfileTags",
	"ListInstanceProfiles", "ListInstanceProfilesForRole", "ListMFADeviceTags",
	"ListMFADevices", "ListOpenIDConnectProviderTags", "ListOpenIDConnectProviders",
	"ListOrganizationsFeatures", "ListPolicies", "ListPoliciesGrantingServiceAccess",
	"ListPolicyTags", "ListPolicyVersions", "ListRolePolicies", "ListRoleTags",
	"ListRoles", "ListSAMLProviderTags", "ListSAMLProviders", "ListSSHPublicKeys",
	"ListSTSRegionalEndpointsStatus", "ListServerCertificateTags",
	"ListServerCertificates", "ListServiceSpecificCredentials",
	"ListSigningCertificates", "ListUserPolicies", "ListUserTags", "ListUsers",
	"ListVirtualMFADevices", "PassRole", "PutGroupPolicy", "PutRolePermissionsBoundary",
	"PutRolePolicy", "PutUserPermissionsBoundary", "PutUserPolicy",
	"RemoveClientIDFromOpenIDConnectProvider", "RemoveRoleFromInstanceProfile",
	"RemoveUserFromGroup", "ResetServiceSpecificCredential", "ResyncMFADevice",
	"SetDefaultPolicyVersion", "SetSTSRegionalEndpointStatus",
	"SetSecurityTokenServicePreferences", "SimulateCustomPolicy",
	"SimulatePrincipalPolicy", "TagInstanceProfile", "TagMFADevice",
	"TagOpenIDConnectProvider", "TagPolicy", "TagRole", "TagSAMLProvider",
	"TagServerCertificate", "TagUser", "UntagInstanceProfile", "UntagMFADevice",
	"UntagOpenIDConnectProvider", "UntagPolicy", "UntagRole", "UntagSAMLProvider",
	"UntagServerCertificate", "UntagUser", "UpdateAccessKey",
	"UpdateAccountEmailAddress", "UpdateAccountName", "UpdateAccountPasswordPolicy",
	"UpdateAssumeRolePolicy", "UpdateCloudFrontPublicKey", "UpdateGroup",
	"UpdateLoginProfile", "UpdateOpenIDConnectProviderThumbprint", "UpdateRole",
	"UpdateRoleDescription", "UpdateSAMLProvider", "UpdateSSHPublicKey",
	"UpdateServerCertificate", "UpdateServiceSpecificCredential",
	"UpdateSigningCertificate", "UploadCloudFrontPublicKey", "UploadSSHPublicKey",
	"UploadServerCertificate", "UploadSigningCertificate",
}

// stsActions lists the "sts" action names.
var stsActions = []string{
	"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "AssumeRoot",
	"DecodeAuthorizationMessage", "GetAccessKeyInfo", "GetCallerIdentity",
	"GetDelegatedAccessToken", "GetFederationToken", "GetServiceBearerToken",
	"GetSessionToken", "GetWebIdentityToken", "SetContext", "SetSourceIdentity",
	"TagSession",
}

// knownVendors are the service prefixes whose action names zones3 knows in
// full; an action of these vendors that names no real action is refused.
// Actions of other vendors are accepted when well formed and never match a
// zones3 request.
var knownVendors = map[string][]string{
	"s3":  s3ActionNames(),
	"iam": iamActions,
	"sts": stsActions,
}

func s3ActionNames() []string {
	names := make([]string, len(s3Actions))
	for i, a := range s3Actions {
		names[i] = a.name
	}
	return names
}

// KnownAction reports whether action (e.g. "s3:GetObject", any case) is a
// real action name of the s3, iam or sts service prefix.
func KnownAction(action string) bool {
	vendor, name, ok := strings.Cut(action, ":")
	if !ok {
		return false
	}
	names, ok := knownVendors[strings.ToLower(vendor)]
	if !ok {
		return false
	}
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
