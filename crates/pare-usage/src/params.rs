//! The request parameters the resource ARNs are built from, read straight from `requestParameters`'
//! JSON text into borrowed fields (no `serde_json::Value`, no copy of the rest of the request).
//!
//! Only the parameters [`crate::template_vars`] looks at are read; a field of another type than
//! the one expected (a number where a name belongs, a string where a list belongs) is ignored, as
//! the `Value`-based reading ignores it. Text that this reader refuses (duplicate keys, invalid
//! JSON) is read through `serde_json::Value` instead, so both give the same variables.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde_json::Value;

/// A string parameter: only JSON strings count (as `Value::as_str` does).
pub type Param<'a> = Option<Cow<'a, str>>;

/// The request parameters of interest, borrowed where the JSON has no escapes.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestParams<'a> {
    // S3
    #[serde(borrow, deserialize_with = "string", rename = "bucketName")]
    pub(crate) bucket_name: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "Bucket")]
    pub(crate) bucket: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "key")]
    pub(crate) key_lower: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "Key")]
    pub(crate) key_upper: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "x-amz-copy-source")]
    pub(crate) copy_source: Param<'a>,
    #[serde(borrow, deserialize_with = "delete_keys", rename = "Delete")]
    pub(crate) delete_keys: Vec<Cow<'a, str>>,
    // IAM
    #[serde(borrow, deserialize_with = "string", rename = "roleName")]
    pub(crate) role_name: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "userName")]
    pub(crate) user_name: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "groupName")]
    pub(crate) group_name: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "path")]
    pub(crate) path: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "policyArn")]
    pub(crate) policy_arn: Param<'a>,
    // Lambda, DynamoDB, KMS
    #[serde(borrow, deserialize_with = "string", rename = "functionName")]
    pub(crate) function_name_lower: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "FunctionName")]
    pub(crate) function_name_upper: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "tableName")]
    pub(crate) table_name_lower: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "TableName")]
    pub(crate) table_name_upper: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "keyId")]
    pub(crate) key_id_lower: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "KeyId")]
    pub(crate) key_id_upper: Param<'a>,
    // SQS
    #[serde(borrow, deserialize_with = "string", rename = "queueUrl")]
    pub(crate) queue_url_lower: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "QueueUrl")]
    pub(crate) queue_url_upper: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "queueName")]
    pub(crate) queue_name: Param<'a>,
    // EC2
    #[serde(borrow, deserialize_with = "string", rename = "instanceId")]
    pub(crate) instance_id: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "groupId")]
    pub(crate) group_id: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "snapshotId")]
    pub(crate) snapshot_id: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "imageId")]
    pub(crate) image_id: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "volumeId")]
    pub(crate) volume_id: Param<'a>,
    #[serde(borrow, deserialize_with = "instance_items", rename = "instancesSet")]
    pub(crate) instances_set: Vec<Cow<'a, str>>,
    // STS, SNS
    #[serde(borrow, deserialize_with = "string", rename = "roleArn")]
    pub(crate) role_arn_lower: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "RoleArn")]
    pub(crate) role_arn_upper: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "topicArn")]
    pub(crate) topic_arn_lower: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "TopicArn")]
    pub(crate) topic_arn_upper: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "targetArn")]
    pub(crate) target_arn: Param<'a>,
    // Secrets Manager
    #[serde(borrow, deserialize_with = "string", rename = "secretId")]
    pub(crate) secret_id_lower: Param<'a>,
    #[serde(borrow, deserialize_with = "string", rename = "SecretId")]
    pub(crate) secret_id_upper: Param<'a>,
    #[serde(borrow, deserialize_with = "strings", rename = "secretIdList")]
    pub(crate) secret_id_list: Vec<Cow<'a, str>>,
}

impl<'a> RequestParams<'a> {
    /// Reads `requestParameters` text. `None` when it is not an object (`null`, or not JSON).
    #[must_use]
    pub fn parse(text: &'a str) -> Option<Self> {
        let t = text.trim_start();
        if !t.starts_with('{') {
            return None;
        }
        match serde_json::from_str::<RequestParams<'a>>(text) {
            Ok(p) => Some(p),
            // Duplicate keys or invalid JSON: read it as `Value` reads it.
            Err(_) => match serde_json::from_str::<Value>(text) {
                Ok(v @ Value::Object(_)) => Some(RequestParams::from_value(&v)),
                _ => None,
            },
        }
    }

    /// The same fields from an already parsed value (owned copies).
    #[must_use]
    pub fn from_value(v: &Value) -> RequestParams<'static> {
        let s = |name: &str| -> Param<'static> {
            v.get(name)
                .and_then(Value::as_str)
                .map(|s| Cow::Owned(s.to_owned()))
        };
        let list_of = |items: Option<&Value>, field: &str| -> Vec<Cow<'static, str>> {
            items
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|o| o.get(field).and_then(Value::as_str))
                        .map(|s| Cow::Owned(s.to_owned()))
                        .collect()
                })
                .unwrap_or_default()
        };
        RequestParams {
            bucket_name: s("bucketName"),
            bucket: s("Bucket"),
            key_lower: s("key"),
            key_upper: s("Key"),
            copy_source: s("x-amz-copy-source"),
            delete_keys: list_of(v.get("Delete").and_then(|d| d.get("Object")), "Key"),
            role_name: s("roleName"),
            user_name: s("userName"),
            group_name: s("groupName"),
            path: s("path"),
            policy_arn: s("policyArn"),
            function_name_lower: s("functionName"),
            function_name_upper: s("FunctionName"),
            table_name_lower: s("tableName"),
            table_name_upper: s("TableName"),
            key_id_lower: s("keyId"),
            key_id_upper: s("KeyId"),
            queue_url_lower: s("queueUrl"),
            queue_url_upper: s("QueueUrl"),
            queue_name: s("queueName"),
            instance_id: s("instanceId"),
            group_id: s("groupId"),
            snapshot_id: s("snapshotId"),
            image_id: s("imageId"),
            volume_id: s("volumeId"),
            instances_set: list_of(
                v.get("instancesSet").and_then(|s| s.get("items")),
                "instanceId",
            ),
            role_arn_lower: s("roleArn"),
            role_arn_upper: s("RoleArn"),
            topic_arn_lower: s("topicArn"),
            topic_arn_upper: s("TopicArn"),
            target_arn: s("targetArn"),
            secret_id_lower: s("secretId"),
            secret_id_upper: s("SecretId"),
            secret_id_list: v
                .get("secretIdList")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(|s| Cow::Owned(s.to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// A JSON string, borrowed when it has no escapes; any other value is read past and gives `None`.
struct StringOrSkip;

impl<'de> Visitor<'de> for StringOrSkip {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any json value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(v)))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(StringOrSkip)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

fn string<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Param<'a>, D::Error> {
    d.deserialize_any(StringOrSkip)
}

/// A string wrapper usable as a sequence element or map value.
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StringOrSkip).map(Text)
    }
}

/// An object whose string field `field` is collected; anything else gives nothing.
struct FieldOf<'a>(Option<Cow<'a, str>>);

/// `[{field: "…"}, …]` where `field` is fixed by `F`.
trait FieldName {
    const NAME: &'static str;
}

struct KeyField;
impl FieldName for KeyField {
    const NAME: &'static str = "Key";
}
struct InstanceIdField;
impl FieldName for InstanceIdField {
    const NAME: &'static str = "instanceId";
}

/// A list of `{NAME: "…"}` objects (not a list: empty; elements that are not objects, or whose
/// field is not a string: left out).
struct ObjectList<'a, F>(Vec<Cow<'a, str>>, std::marker::PhantomData<F>);

impl<'de, F: FieldName> Deserialize<'de> for ObjectList<'de, F> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ElemV<F>(std::marker::PhantomData<F>);
        impl<'de, F: FieldName> Visitor<'de> for ElemV<F> {
            type Value = FieldOf<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any json value")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = None;
                while let Some(Text(k)) = a.next_key::<Text<'de>>()? {
                    if k.as_deref() == Some(F::NAME) {
                        // The last one wins, as in a `Value` map.
                        out = a.next_value::<Text<'de>>()?.0;
                    } else {
                        a.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(FieldOf(out))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FieldOf(None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(FieldOf(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(FieldOf(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(FieldOf(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(FieldOf(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(FieldOf(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(FieldOf(None))
            }
        }
        struct Elem<'a, F>(FieldOf<'a>, std::marker::PhantomData<F>);
        impl<'de, F: FieldName> Deserialize<'de> for Elem<'de, F> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(ElemV::<F>(std::marker::PhantomData))
                    .map(|f| Elem(f, std::marker::PhantomData))
            }
        }
        struct ListV<F>(std::marker::PhantomData<F>);
        impl<'de, F: FieldName> Visitor<'de> for ListV<F> {
            type Value = Vec<Cow<'de, str>>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any json value")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(Elem(FieldOf(v), _)) = a.next_element::<Elem<'de, F>>()? {
                    out.extend(v);
                }
                Ok(out)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Vec::new())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
        }
        d.deserialize_any(ListV::<F>(std::marker::PhantomData))
            .map(|v| ObjectList(v, std::marker::PhantomData))
    }
}

/// An object whose list field `LIST` is an [`ObjectList`] (`Delete.Object`, `instancesSet.items`).
fn nested_list<'de: 'a, 'a, D: Deserializer<'de>, F: FieldName>(
    d: D,
    list: &'static str,
) -> Result<Vec<Cow<'a, str>>, D::Error> {
    struct V<F>(&'static str, std::marker::PhantomData<F>);
    impl<'de, F: FieldName> Visitor<'de> for V<F> {
        type Value = Vec<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any json value")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(Text(k)) = a.next_key::<Text<'de>>()? {
                if k.as_deref() == Some(self.0) {
                    out = a.next_value::<ObjectList<'de, F>>()?.0;
                } else {
                    a.next_value::<IgnoredAny>()?;
                }
            }
            Ok(out)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V::<F>(list, std::marker::PhantomData))
}

fn delete_keys<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'a, str>>, D::Error> {
    nested_list::<D, KeyField>(d, "Object")
}

fn instance_items<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'a, str>>, D::Error> {
    nested_list::<D, InstanceIdField>(d, "items")
}

/// A list of strings (not a list: empty; elements that are not strings: left out).
fn strings<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'a, str>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any json value")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(Text(v)) = a.next_element::<Text<'de>>()? {
                out.extend(v);
            }
            Ok(out)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]
    use super::*;
    use crate::resources::template_vars_of;

    /// The borrowed reading gives the same variables as reading through `Value`.
    #[test]
    fn same_as_value() {
        let texts = [
            r#"{"bucketName":"b","key":" k ","Host":"b.s3.amazonaws.com","x-amz-copy-source":"/src/a?versionId=1"}"#,
            r#"{"Bucket":"b","Key":"k\u00e9","Delete":{"Object":[{"Key":"a"},{"Key":2},"x",{"Key":"c","Key":"d"}],"Quiet":true}}"#,
            r#"{"roleName":"r","path":"/team/","policyArn":"arn:aws:iam::1:policy/p","userName":5}"#,
            r#"{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":null}]},"groupId":"sg-1"}"#,
            r#"{"secretId":"s","secretIdList":["arn:aws:secretsmanager:x","n",3],"queueUrl":"https://sqs.us-east-1.amazonaws.com/111122223333/q"}"#,
            r#"{"keyId":"alias/k","roleArn":"arn:aws:iam::1:role/x","topicArn":"arn:aws:sns:us-east-1:1:t"}"#,
            r#"{"bucketName":"a","bucketName":"b"}"#,
            r#"{"Delete":"not an object","instancesSet":[1,2]}"#,
            r#"null"#,
            r#""text""#,
        ];
        for text in texts {
            let value: Option<Value> = serde_json::from_str::<Value>(text)
                .ok()
                .filter(|v| !v.is_null());
            let from_value = value.as_ref().map(RequestParams::from_value);
            let parsed = RequestParams::parse(text);
            for prefix in [
                "s3",
                "iam",
                "lambda",
                "dynamodb",
                "kms",
                "sqs",
                "ec2",
                "sts",
                "sns",
                "secretsmanager",
            ] {
                let a = template_vars_of(prefix, parsed.as_ref(), Some("r"), Some("1"), "aws");
                let b = template_vars_of(prefix, from_value.as_ref(), Some("r"), Some("1"), "aws");
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "{prefix} {text}");
            }
        }
        let p = RequestParams::parse(texts[1]).unwrap();
        assert_eq!(p.delete_keys, ["a", "d"]);
        assert_eq!(p.key_upper.as_deref(), Some("ké"));
    }
}
