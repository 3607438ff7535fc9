//! Resources from `requestParameters` for the common services, through `to_usage`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

use pare_usage::{ActionMapper, Activity, CloudTrailRecord, to_usage};

/// `(action, resources)` of one call by an IAM user in 111122223333, us-east-1.
fn resources(source: &str, name: &str, params: &str) -> Vec<(String, Vec<String>)> {
    let mapper = ActionMapper::bundled().unwrap();
    let text = format!(
        r#"{{"eventSource": "{source}", "eventName": "{name}", "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333", "eventType": "AwsApiCall",
            "userIdentity": {{"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice",
                             "accountId": "111122223333"}},
            "requestParameters": {params}}}"#
    );
    let record = CloudTrailRecord::from_json(&text).unwrap();
    let usage = to_usage(&record, mapper);
    assert_eq!(usage.activity, Activity::Actions, "{source} {name}");
    usage
        .actions
        .iter()
        .map(|a| (mapper.catalog().action_name(a.action), a.resources.clone()))
        .collect()
}

fn one(source: &str, name: &str, params: &str) -> Vec<String> {
    let r = resources(source, name, params);
    r[0].1.clone()
}

#[test]
fn s3() {
    let s3 = "s3.amazonaws.com";
    assert_eq!(
        one(
            s3,
            "GetObject",
            r#"{"bucketName": "b", "key": "a/b.txt", "Host": "b.s3.amazonaws.com"}"#
        ),
        ["arn:aws:s3:::b/a/b.txt"]
    );
    assert_eq!(
        one(s3, "ListObjects", r#"{"bucketName": "b"}"#),
        ["arn:aws:s3:::b"]
    );
    assert_eq!(
        one(s3, "HeadBucket", r#"{"bucketName": "b"}"#),
        ["arn:aws:s3:::b"]
    );
    assert_eq!(
        resources(
            s3,
            "CopyObject",
            r#"{"bucketName": "dst", "key": "k2", "x-amz-copy-source": "src/dir/k1?versionId=v1"}"#
        ),
        [
            (
                "s3:PutObject".to_owned(),
                vec!["arn:aws:s3:::dst/k2".to_owned()]
            ),
            (
                "s3:GetObject".to_owned(),
                vec!["arn:aws:s3:::src/dir/k1".to_owned()]
            ),
        ]
    );
    assert_eq!(
        one(
            s3,
            "DeleteObjects",
            r#"{"bucketName": "b", "delete": "", "Delete": {"Object": [{"Key": "x"}, {"Key": "y"}]}}"#
        ),
        ["arn:aws:s3:::b/x", "arn:aws:s3:::b/y"]
    );
    assert_eq!(one(s3, "ListBuckets", "null"), ["*"]);
}

#[test]
fn iam() {
    let iam = "iam.amazonaws.com";
    assert_eq!(
        one(
            iam,
            "CreateRole",
            r#"{"roleName": "r", "path": "/svc/", "assumeRolePolicyDocument": "{}"}"#
        ),
        ["arn:aws:iam::111122223333:role/svc/r"]
    );
    assert_eq!(
        one(iam, "CreateUser", r#"{"userName": "u"}"#),
        ["arn:aws:iam::111122223333:user/u"]
    );
    assert_eq!(
        one(
            iam,
            "AddUserToGroup",
            r#"{"groupName": "g", "userName": "u"}"#
        ),
        ["arn:aws:iam::111122223333:group/g"]
    );
    assert_eq!(
        one(
            iam,
            "GetPolicy",
            r#"{"policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}"#
        ),
        ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    );
}

#[test]
fn lambda_dynamodb_kms() {
    assert_eq!(
        one(
            "lambda.amazonaws.com",
            "GetFunction20150331v2",
            r#"{"functionName": "f"}"#
        ),
        ["arn:aws:lambda:us-east-1:111122223333:function:f"]
    );
    assert_eq!(
        one(
            "lambda.amazonaws.com",
            "Invoke",
            r#"{"functionName": "arn:aws:lambda:eu-west-1:444455556666:function:g"}"#
        ),
        ["arn:aws:lambda:eu-west-1:444455556666:function:g"]
    );
    assert_eq!(
        one(
            "dynamodb.amazonaws.com",
            "DescribeTable",
            r#"{"tableName": "t"}"#
        ),
        ["arn:aws:dynamodb:us-east-1:111122223333:table/t"]
    );
    assert_eq!(
        one(
            "kms.amazonaws.com",
            "Decrypt",
            r#"{"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}"#
        ),
        ["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    );
    assert_eq!(
        resources(
            "kms.amazonaws.com",
            "ReEncrypt",
            r#"{"destinationKeyId": "x"}"#
        )
        .iter()
        .map(|(a, _)| a.as_str())
        .collect::<Vec<_>>(),
        ["kms:ReEncryptFrom", "kms:ReEncryptTo"]
    );
}

#[test]
fn sqs_sns_secrets_ec2() {
    assert_eq!(
        one(
            "sqs.amazonaws.com",
            "SendMessage",
            r#"{"queueUrl": "https://sqs.us-east-1.amazonaws.com/444455556666/q"}"#
        ),
        ["arn:aws:sqs:us-east-1:444455556666:q"]
    );
    assert_eq!(
        one(
            "sns.amazonaws.com",
            "Publish",
            r#"{"topicArn": "arn:aws:sns:us-east-1:111122223333:t", "message": "HIDDEN"}"#
        ),
        ["arn:aws:sns:us-east-1:111122223333:t"]
    );
    assert_eq!(
        one(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            r#"{"secretId": "prod/db"}"#
        ),
        ["arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????"]
    );
    assert_eq!(
        one(
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            r#"{"secretId": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"}"#
        ),
        ["arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"]
    );
    assert_eq!(
        one(
            "ec2.amazonaws.com",
            "StopInstances",
            r#"{"instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]}}"#
        ),
        [
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-2"
        ]
    );
    // Unknown: `*`.
    assert_eq!(
        one(
            "cloudtrail.amazonaws.com",
            "StopLogging",
            r#"{"name": "t"}"#
        ),
        ["*"]
    );
}
