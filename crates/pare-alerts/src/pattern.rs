//! Value patterns of a policy filter: `*`/`?` wildcards, `re:` regular expressions, IP CIDR blocks.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A pattern over a text value: a wildcard (`*` any run, `?` one character, ASCII case-insensitive) or,
/// written `re:<regex>`, a regular expression (searched, so anchor it with `^…$` to match the whole value).
#[derive(Debug, Clone)]
pub enum Pattern {
    /// A `*`/`?` wildcard, as written.
    Wildcard(String),
    /// A regular expression (the text after `re:`).
    Regex(regex::Regex),
}

impl Pattern {
    /// Parses a pattern.
    ///
    /// # Errors
    ///
    /// A message when the pattern is empty, has control characters, or is a `re:` pattern that does not
    /// compile.
    pub fn parse(text: &str) -> Result<Self, String> {
        if let Some(re) = text.strip_prefix("re:") {
            if re.is_empty() {
                return Err("empty regular expression after `re:`".to_owned());
            }
            return regex::Regex::new(re).map(Pattern::Regex).map_err(|e| {
                format!(
                    "bad regular expression `{re}`: {}",
                    one_line(&e.to_string())
                )
            });
        }
        if text.is_empty() {
            return Err("empty wildcard pattern".to_owned());
        }
        if text.chars().any(char::is_control) {
            return Err(format!(
                "bad wildcard `{}`: control character",
                text.escape_debug()
            ));
        }
        if text.contains("***") {
            return Err(format!(
                "bad wildcard `{text}`: `***` is not a pattern (use one `*`)"
            ));
        }
        Ok(Pattern::Wildcard(text.to_owned()))
    }

    /// Whether `value` matches.
    #[must_use]
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Wildcard(p) => wildcard_match(p.as_bytes(), value.as_bytes()),
            Pattern::Regex(r) => r.is_match(value),
        }
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_text(&self) -> String {
        match self {
            Pattern::Wildcard(p) => p.clone(),
            Pattern::Regex(r) => format!("re:{}", r.as_str()),
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `*`/`?` matching, ASCII case-insensitive, iterative with backtracking to the last `*`.
fn wildcard_match(pattern: &[u8], value: &[u8]) -> bool {
    let (mut p, mut v) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        let pc = pattern.get(p).copied();
        let vc = value.get(v).copied();
        match (pc, vc) {
            (Some(b'*'), _) => {
                star = Some((p, v));
                p += 1;
            }
            (Some(a), Some(b)) if a == b'?' || a.eq_ignore_ascii_case(&b) => {
                p += 1;
                v += 1;
            }
            _ => match star {
                Some((sp, sv)) => {
                    p = sp + 1;
                    v = sv + 1;
                    star = Some((sp, sv + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|c| *c == b'*'))
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Pattern::parse(&text).map_err(de::Error::custom)
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_text())
    }
}

/// An IP network: `203.0.113.0/24`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The network address.
    pub addr: IpAddr,
    /// The prefix length.
    pub prefix: u8,
}

/// Parses an IP address as CloudTrail writes it, leniently: IPv4 octets may carry leading zeros
/// (`075.050.255.67` in anonymised logs). `None` for service names such as `lambda.amazonaws.com`.
#[must_use]
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    for o in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = part.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}

impl Cidr {
    /// Parses `addr/prefix` or a bare address.
    ///
    /// # Errors
    ///
    /// A message naming what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (addr_text, prefix_text) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr_text
            .parse()
            .map_err(|_| format!("bad CIDR `{text}`: `{addr_text}` is not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix =
            match prefix_text {
                None => max,
                Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| {
                    format!("bad CIDR `{text}`: prefix length must be 0 to {max}")
                })?,
            };
        Ok(Cidr { addr, prefix })
    }

    /// Whether `ip` is in the network.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Cidr::parse(&text).map_err(de::Error::custom)
    }
}

impl Serialize for Cidr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One value or a list of values (`"x"` or `["x", "y"]`); a list must not be empty.
#[derive(Debug, Clone)]
pub(crate) struct OneOrMany<T>(pub(crate) Vec<T>);

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a non-empty list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(de::value::StrDeserializer::<E>::new(v)).map(|t| OneOrMany(vec![t]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(t) = seq.next_element()? {
                    out.push(t);
                }
                if out.is_empty() {
                    return Err(de::Error::custom("an empty list matches nothing"));
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;

    #[test]
    fn wildcards() {
        let p = Pattern::parse("iam:Create*").unwrap();
        assert!(p.matches("iam:CreateUser"));
        assert!(p.matches("IAM:createuser"));
        assert!(!p.matches("iam:DeleteUser"));
        let p = Pattern::parse("*Login?rofile").unwrap();
        assert!(p.matches("CreateLoginProfile"));
        assert!(!p.matches("CreateLoginProfiles"));
        assert!(Pattern::parse("*").unwrap().matches(""));
        assert!(Pattern::parse("").is_err());
        assert!(Pattern::parse("re:(").is_err());
        assert!(
            Pattern::parse("re:^Create(User|AccessKey)$")
                .unwrap()
                .matches("CreateUser")
        );
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(c.contains(parse_ip("203.0.113.9").unwrap()));
        assert!(!c.contains(parse_ip("203.0.114.9").unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains(parse_ip("075.050.255.67").unwrap())
        );
        assert!(
            Cidr::parse("::/0")
                .unwrap()
                .contains(parse_ip("2001:db8::1").unwrap())
        );
        assert!(
            !Cidr::parse("::/0")
                .unwrap()
                .contains(parse_ip("1.2.3.4").unwrap())
        );
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("10.0.0/8").is_err());
        assert_eq!(parse_ip("lambda.amazonaws.com"), None);
        assert_eq!(parse_ip("AWS Internal"), None);
    }
}
