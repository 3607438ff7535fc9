//! Patterns with `*` and `?` after policy-variable substitution: `${aws:username}`, `${*}`, `${?}`, `${$}` and
//! `${key, 'default'}`. Characters that came from `${*}`/`${?}` or from a variable's value are literal.

use crate::context::{Context, Lookup};

/// One element of a substituted pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    Literal(char),
    /// `*`: any sequence of characters, including none.
    AnySequence,
    /// `?`: exactly one character.
    AnyChar,
}

/// A pattern ready to match, or the reason it cannot match anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Substituted {
    pub tokens: Vec<Token>,
    /// Keys referenced by variables that the request did not supply (evaluated as absent).
    pub unknown_keys: Vec<String>,
    /// A variable had no value and no default: the element does not match.
    pub unresolved: bool,
}

impl Substituted {
    /// The substituted text with wildcards written as `*`/`?` (for exact comparisons).
    pub fn literal_text(&self) -> String {
        self.tokens.iter().map(|t| t.as_char()).collect()
    }
}

impl Token {
    /// The character the token is written as (`*` and `?` for the wildcards).
    pub fn as_char(self) -> char {
        match self {
            Token::Literal(c) => c,
            Token::AnySequence => '*',
            Token::AnyChar => '?',
        }
    }
}

/// Turns pattern text into tokens. With `variables` set (policy version 2012-10-17) `${…}` is substituted
/// from `ctx`; with `wildcards` unset, `*` and `?` are literal (for `StringEquals`).
pub fn substitute(text: &str, ctx: &Context, variables: bool, wildcards: bool) -> Substituted {
    let mut out = Substituted {
        tokens: Vec::with_capacity(text.len()),
        unknown_keys: Vec::new(),
        unresolved: false,
    };
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if variables
            && rest.starts_with("${")
            && let Some(end) = rest.find('}')
        {
            let inner = rest.get(2..end).unwrap_or("");
            rest = rest.get(end + 1..).unwrap_or("");
            substitute_variable(inner, ctx, &mut out);
            continue;
        }
        rest = rest.get(c.len_utf8()..).unwrap_or("");
        out.tokens.push(match c {
            '*' if wildcards => Token::AnySequence,
            '?' if wildcards => Token::AnyChar,
            other => Token::Literal(other),
        });
    }
    out
}

fn substitute_variable(inner: &str, ctx: &Context, out: &mut Substituted) {
    match inner {
        "*" => return out.tokens.push(Token::Literal('*')),
        "?" => return out.tokens.push(Token::Literal('?')),
        "$" => return out.tokens.push(Token::Literal('$')),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let d = d
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .unwrap_or(d);
            (k.trim(), Some(d))
        }
        None => (inner.trim(), None),
    };
    let value = match ctx.get(key) {
        Lookup::Single(v) => Some(v.to_owned()),
        // Multi-valued keys cannot be used as variables.
        Lookup::Multi(_) => None,
        Lookup::Absent => None,
        Lookup::Unknown => {
            out.unknown_keys.push(key.to_owned());
            None
        }
    };
    match value.as_deref().or(default) {
        Some(v) => out.tokens.extend(v.chars().map(Token::Literal)),
        None => out.unresolved = true,
    }
}

/// Matches a plain `*`/`?` pattern (no variables) against text without allocating when both are ASCII, which
/// action names and almost all ARNs are; falls back to the token matcher otherwise.
pub fn glob(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        return glob_ascii(pattern.as_bytes(), text.as_bytes(), case_insensitive);
    }
    let tokens = substitute(pattern, &Context::new(), false, true).tokens;
    matches(&tokens, text, case_insensitive)
}

fn glob_ascii(p: &[u8], t: &[u8], ci: bool) -> bool {
    let eq = |a: u8, b: u8| a == b || (ci && a.eq_ignore_ascii_case(&b));
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match (p.get(pi), t.get(ti)) {
            (Some(b'*'), _) => {
                star = Some((pi, ti));
                pi += 1;
            }
            (Some(b'?'), Some(_)) => {
                pi += 1;
                ti += 1;
            }
            (Some(a), Some(b)) if eq(*a, *b) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == b'*'))
}

/// Matches tokens against text; greedy with single backtrack point, linear in practice.
pub fn matches(tokens: &[Token], text: &str, case_insensitive: bool) -> bool {
    let text: Vec<char> = text.chars().collect();
    let eq =
        |a: char, b: char| a == b || (case_insensitive && a.to_lowercase().eq(b.to_lowercase()));
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match (tokens.get(p), text.get(t)) {
            (Some(Token::AnySequence), _) => {
                star = Some((p, t));
                p += 1;
            }
            (Some(Token::AnyChar), Some(_)) => {
                p += 1;
                t += 1;
            }
            (Some(Token::Literal(a)), Some(b)) if eq(*a, *b) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    tokens
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|t| *t == Token::AnySequence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ContextValue;

    fn ctx() -> Context {
        let mut c = Context::new();
        c.insert("aws:username", ContextValue::Single("alice".into()));
        c.insert("aws:PrincipalTag/team", ContextValue::Single("blue".into()));
        c.insert("aws:TagKeys", ContextValue::Multi(vec!["a".into()]));
        c
    }

    #[test]
    fn substitutes_variables_and_escapes() {
        let s = substitute("home/${aws:username}/${*}x${?}${$}", &ctx(), true, true);
        assert_eq!(s.literal_text(), "home/alice/*x?$");
        assert!(matches(&s.tokens, "home/alice/*x?$", false));
        assert!(!matches(&s.tokens, "home/alice/zzx?$", false));
    }

    #[test]
    fn defaults_and_missing_keys() {
        let s = substitute("${aws:userid, 'guest'}", &ctx(), true, true);
        assert_eq!(s.literal_text(), "guest");
        assert_eq!(s.unknown_keys, ["aws:userid"]);
        let s = substitute("${aws:TagKeys}", &ctx(), true, true);
        assert!(s.unresolved);
        let s = substitute("${aws:username}", &ctx(), false, true);
        assert_eq!(s.literal_text(), "${aws:username}");
    }

    #[test]
    fn ascii_glob_agrees_with_tokens() {
        for (p, t) in [
            ("a*b?c", "aXXbYc"),
            ("a*b?c", "aXXbc"),
            ("*", ""),
            ("S3:Get*", "s3:getobject"),
            ("*a*a", "aaa"),
            ("é*", "éa"),
        ] {
            for ci in [false, true] {
                let tokens = substitute(p, &Context::new(), false, true).tokens;
                assert_eq!(glob(p, t, ci), matches(&tokens, t, ci), "{p} {t} {ci}");
            }
        }
    }

    #[test]
    fn wildcard_matching() {
        let t = |p: &str| substitute(p, &Context::new(), false, true).tokens;
        assert!(matches(&t("a*b?c"), "aXXbYc", false));
        assert!(!matches(&t("a*b?c"), "aXXbc", false));
        assert!(matches(&t("*"), "", false));
        assert!(matches(&t("S3:Get*"), "s3:getobject", true));
        assert!(!matches(&t("S3:Get*"), "s3:getobject", false));
    }
}
