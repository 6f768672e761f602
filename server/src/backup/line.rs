//! One item as one line of text: DynamoDB JSON, wrapped as DynamoDB's export to S3 writes it
//! (`{"Item":{"pk":{"S":"LIST#…"},"v":{"N":"3"},…}}`), so that a backup can be read by
//! the tools that read those exports, and an export to S3 can be imported here.
//!
//! Every kind of attribute value is kept exactly: numbers stay the text DynamoDB holds (no
//! rounding through a float), binary is base64, and sets keep their members.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::store::codec::Item;
use crate::store::schema::{PK, SK};

/// The wrapper's one key.
const ITEM: &str = "Item";

/// Why a line is not an item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not an object with one key, \"Item\"")]
    NotAnItem,
    #[error("attribute {attribute}: {problem}")]
    Attribute { attribute: String, problem: String },
    #[error("no string attribute \"{0}\" (the table's key)")]
    MissingKey(&'static str),
}

/// Why an item cannot be written as a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("attribute {0} is of a kind this version does not know")]
pub struct UnknownKind(pub String);

/// `item` as one line (no newline).
pub fn write(item: &Item) -> Result<String, UnknownKind> {
    let mut attributes = Map::new();
    for (name, value) in item {
        let value = to_json(value).ok_or_else(|| UnknownKind(name.clone()))?;
        attributes.insert(name.clone(), value);
    }
    let mut wrapper = Map::new();
    wrapper.insert(ITEM.to_owned(), Value::Object(attributes));
    Ok(Value::Object(wrapper).to_string())
}

/// The item on `line`, which must carry the table's key attributes as strings.
pub fn read(line: &str) -> Result<Item, LineError> {
    let value: Value = serde_json::from_str(line).map_err(|e| LineError::NotJson(e.to_string()))?;
    let Value::Object(mut wrapper) = value else {
        return Err(LineError::NotAnItem);
    };
    let Some(Value::Object(attributes)) = wrapper.remove(ITEM) else {
        return Err(LineError::NotAnItem);
    };
    if !wrapper.is_empty() {
        return Err(LineError::NotAnItem);
    }
    let item = attributes
        .into_iter()
        .map(|(name, value)| match from_json(value) {
            Ok(value) => Ok((name, value)),
            Err(problem) => Err(LineError::Attribute {
                attribute: name,
                problem,
            }),
        })
        .collect::<Result<Item, _>>()?;
    for key in [PK, SK] {
        if !matches!(item.get(key), Some(AttributeValue::S(_))) {
            return Err(LineError::MissingKey(key));
        }
    }
    Ok(item)
}

fn strings(values: &[String]) -> Value {
    Value::Array(values.iter().cloned().map(Value::String).collect())
}

fn tagged(tag: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(tag.to_owned(), value);
    Value::Object(map)
}

fn to_json(value: &AttributeValue) -> Option<Value> {
    Some(match value {
        AttributeValue::S(s) => tagged("S", Value::String(s.clone())),
        AttributeValue::N(n) => tagged("N", Value::String(n.clone())),
        AttributeValue::B(b) => tagged("B", Value::String(BASE64.encode(b.as_ref()))),
        AttributeValue::Bool(b) => tagged("BOOL", Value::Bool(*b)),
        AttributeValue::Null(b) => tagged("NULL", Value::Bool(*b)),
        AttributeValue::Ss(values) => tagged("SS", strings(values)),
        AttributeValue::Ns(values) => tagged("NS", strings(values)),
        AttributeValue::Bs(values) => tagged(
            "BS",
            Value::Array(
                values
                    .iter()
                    .map(|b| Value::String(BASE64.encode(b.as_ref())))
                    .collect(),
            ),
        ),
        AttributeValue::L(values) => tagged(
            "L",
            Value::Array(values.iter().map(to_json).collect::<Option<_>>()?),
        ),
        AttributeValue::M(map) => tagged(
            "M",
            Value::Object(
                map.iter()
                    .map(|(k, v)| Some((k.clone(), to_json(v)?)))
                    .collect::<Option<_>>()?,
            ),
        ),
        _ => return None,
    })
}

fn text(value: Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(format!("expected a string, found {other}")),
    }
}

fn number(value: Value) -> Result<String, String> {
    let n = text(value)?;
    n.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(|_| n.clone())
        .ok_or_else(|| format!("{n:?} is not a number"))
}

fn binary(value: Value) -> Result<Blob, String> {
    let encoded = text(value)?;
    BASE64
        .decode(encoded.as_bytes())
        .map(Blob::new)
        .map_err(|e| format!("not base64: {e}"))
}

fn list<T>(value: Value, each: impl Fn(Value) -> Result<T, String>) -> Result<Vec<T>, String> {
    match value {
        Value::Array(values) => values.into_iter().map(each).collect(),
        other => Err(format!("expected a list, found {other}")),
    }
}

fn from_json(value: Value) -> Result<AttributeValue, String> {
    let Value::Object(map) = value else {
        return Err("expected an object such as {\"S\": \"text\"}".to_owned());
    };
    let mut entries = map.into_iter();
    let (Some((tag, inner)), None) = (entries.next(), entries.next()) else {
        return Err("expected exactly one type tag".to_owned());
    };
    let boolean = |inner: Value| match inner {
        Value::Bool(b) => Ok(b),
        other => Err(format!("expected true or false, found {other}")),
    };
    Ok(match tag.as_str() {
        "S" => AttributeValue::S(text(inner)?),
        "N" => AttributeValue::N(number(inner)?),
        "B" => AttributeValue::B(binary(inner)?),
        "BOOL" => AttributeValue::Bool(boolean(inner)?),
        "NULL" => AttributeValue::Null(boolean(inner)?),
        "SS" => AttributeValue::Ss(list(inner, text)?),
        "NS" => AttributeValue::Ns(list(inner, number)?),
        "BS" => AttributeValue::Bs(list(inner, binary)?),
        "L" => AttributeValue::L(list(inner, from_json)?),
        "M" => match inner {
            Value::Object(map) => AttributeValue::M(
                map.into_iter()
                    .map(|(k, v)| Ok((k, from_json(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            other => return Err(format!("expected an object, found {other}")),
        },
        other => return Err(format!("unknown type tag {other:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Item {
        let mut nested = std::collections::HashMap::new();
        nested.insert(
            "deep".to_owned(),
            AttributeValue::L(vec![AttributeValue::Null(true)]),
        );
        Item::from([
            (PK.to_owned(), AttributeValue::S("LIST#a\"b\nc€".to_owned())),
            (SK.to_owned(), AttributeValue::S("META".to_owned())),
            (
                "n".to_owned(),
                AttributeValue::N("12345678901234567890.123456789".to_owned()),
            ),
            (
                "b".to_owned(),
                AttributeValue::B(Blob::new(vec![0, 255, 10, 13])),
            ),
            ("t".to_owned(), AttributeValue::Bool(false)),
            (
                "ss".to_owned(),
                AttributeValue::Ss(vec!["x".into(), "y".into()]),
            ),
            (
                "ns".to_owned(),
                AttributeValue::Ns(vec!["1".into(), "-2.5".into()]),
            ),
            (
                "bs".to_owned(),
                AttributeValue::Bs(vec![Blob::new(b"hi".to_vec())]),
            ),
            ("m".to_owned(), AttributeValue::M(nested)),
        ])
    }

    #[test]
    fn every_kind_of_value_comes_back_exactly_from_one_line() {
        let item = every_kind();
        let line = write(&item).unwrap();
        assert!(!line.contains('\n'), "one line: {line}");
        assert!(line.starts_with("{\"Item\":{"), "{line}");
        assert_eq!(read(&line).unwrap(), item);
    }

    #[test]
    fn a_line_as_dynamodb_s_export_writes_it_is_read() {
        let line = r#"{"Item":{"pk":{"S":"USER#1"},"sk":{"S":"META"},"v":{"N":"3"}}}"#;
        let item = read(line).unwrap();
        assert_eq!(item.get("v"), Some(&AttributeValue::N("3".into())));
    }

    #[test]
    fn a_bad_line_says_what_is_wrong_with_it() {
        let cases = [
            ("{", "not JSON"),
            ("[]", "not an object"),
            (r#"{"Item":{"pk":{"S":"a"}},"x":1}"#, "not an object"),
            (r#"{"Item":{"sk":{"S":"a"}}}"#, "\"pk\""),
            (r#"{"Item":{"pk":{"N":"1"},"sk":{"S":"a"}}}"#, "\"pk\""),
            (
                r#"{"Item":{"pk":{"S":"a"},"sk":{"S":"b"},"v":{"N":"ten"}}}"#,
                "attribute v",
            ),
            (
                r#"{"Item":{"pk":{"S":"a"},"sk":{"S":"b"},"v":{"Q":"1"}}}"#,
                "unknown type tag",
            ),
            (
                r#"{"Item":{"pk":{"S":"a"},"sk":{"S":"b"},"v":{"S":"1","N":"1"}}}"#,
                "exactly one",
            ),
            (
                r#"{"Item":{"pk":{"S":"a"},"sk":{"S":"b"},"v":{"B":"!!"}}}"#,
                "base64",
            ),
        ];
        for (line, says) in cases {
            let err = read(line).unwrap_err().to_string();
            assert!(err.contains(says), "{line}: {err}");
        }
    }
}
