//! AWS global condition context keys and their types.
//!
//! Neither the cloud-copilot data nor AWS's per-service reference lists the
//! global keys (`aws:SourceIp`, `aws:PrincipalArn`, ...), so the generator
//! adds them from this table, transcribed from AWS's "AWS global condition
//! context keys" page (IAM User Guide). Only the keys and their documented
//! data types are recorded.

use pare_catalog::artifact::SourceConditionKey;

/// (key, value type) of every global condition key.
const GLOBAL_KEYS: &[(&str, &str)] = &[
    // Properties of the principal
    ("aws:PrincipalArn", "ARN"),
    ("aws:PrincipalAccount", "String"),
    ("aws:PrincipalOrgPaths", "ArrayOfString"),
    ("aws:PrincipalOrgID", "String"),
    ("aws:PrincipalTag/${TagKey}", "String"),
    ("aws:PrincipalIsAWSService", "Bool"),
    ("aws:PrincipalServiceName", "String"),
    ("aws:PrincipalServiceNamesList", "ArrayOfString"),
    ("aws:PrincipalType", "String"),
    ("aws:userid", "String"),
    ("aws:username", "String"),
    // Properties of a role session
    ("aws:AssumedRoot", "Bool"),
    ("aws:FederatedProvider", "String"),
    ("aws:TokenIssueTime", "Date"),
    ("aws:MultiFactorAuthAge", "Numeric"),
    ("aws:MultiFactorAuthPresent", "Bool"),
    ("aws:ChatbotSourceArn", "ARN"),
    ("aws:Ec2InstanceSourceVpc", "String"),
    ("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress"),
    ("aws:SourceIdentity", "String"),
    ("ec2:RoleDelivery", "Numeric"),
    ("ec2:SourceInstanceArn", "ARN"),
    ("glue:RoleAssumedBy", "String"),
    ("glue:CredentialIssuingService", "String"),
    ("lambda:SourceFunctionArn", "ARN"),
    ("ssm:SourceInstanceArn", "ARN"),
    ("identitystore:UserId", "String"),
    // Properties of the network
    ("aws:SourceIp", "IPAddress"),
    ("aws:SourceVpc", "String"),
    ("aws:SourceVpcArn", "ARN"),
    ("aws:SourceVpce", "String"),
    ("aws:VpceAccount", "String"),
    ("aws:VpceOrgID", "String"),
    ("aws:VpceOrgPaths", "ArrayOfString"),
    ("aws:VpcSourceIp", "IPAddress"),
    // Properties of the resource
    ("aws:ResourceAccount", "String"),
    ("aws:ResourceOrgID", "String"),
    ("aws:ResourceOrgPaths", "ArrayOfString"),
    ("aws:ResourceTag/${TagKey}", "String"),
    // Properties of the request
    ("aws:CalledVia", "ArrayOfString"),
    ("aws:CalledViaFirst", "String"),
    ("aws:CalledViaLast", "String"),
    ("aws:ViaAWSService", "Bool"),
    ("aws:CurrentTime", "Date"),
    ("aws:EpochTime", "Date"),
    ("aws:referer", "String"),
    ("aws:RequestedRegion", "String"),
    ("aws:RequestTag/${TagKey}", "String"),
    ("aws:TagKeys", "ArrayOfString"),
    ("aws:SecureTransport", "Bool"),
    ("aws:SourceAccount", "String"),
    ("aws:SourceArn", "ARN"),
    ("aws:SourceOrgID", "String"),
    ("aws:SourceOrgPaths", "ArrayOfString"),
    ("aws:UserAgent", "String"),
];

/// The global condition keys as catalog entries.
#[must_use]
pub fn global_condition_keys() -> Vec<SourceConditionKey> {
    GLOBAL_KEYS
        .iter()
        .map(|(name, value_type)| SourceConditionKey {
            name: (*name).to_owned(),
            value_type: (*value_type).to_owned(),
        })
        .collect()
}
