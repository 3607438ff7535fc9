//! Policy files: TOML and JSON read the same policy; bad files are refused with the file, line and field.
#![allow(clippy::unwrap_used, clippy::panic, reason = "test code")]

use pare_alerts::{AlertEvent, Evaluator, PolicyError, PolicyFormat, parse_policies};

const GOOD_TOML: &str = r#"
version = 1

[[policy]]
id = "ci-key-outside-office"
name = "CI user calls from outside the office"
severity = "high"
description = "The ci user called IAM from outside the office at night."
reason = "Its keys only run in the office network."
recommendation = "Rotate the keys."
[policy.match]
actor_name = "ci-*"
service = "iam"
not = { source_ip = "203.0.113.0/24" }
any = [{ hours_utc = [22, 6] }, { event_name = "re:^Create(User|AccessKey)$" }]
"#;

fn toml_err(text: &str) -> PolicyError {
    match parse_policies("policies/bad.toml", text, PolicyFormat::Toml) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

fn json_err(text: &str) -> PolicyError {
    match parse_policies("policies/bad.json", text, PolicyFormat::Json) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

fn event(name: &str, actor_name: &str, ip: &str, time: &str) -> AlertEvent {
    AlertEvent {
        event_id: format!("{name}-{time}"),
        time: Some(time.to_owned()),
        time_ms: chrono::DateTime::parse_from_rfc3339(time)
            .ok()
            .map(|t| t.timestamp_millis()),
        event_source: "iam.amazonaws.com".to_owned(),
        event_name: name.to_owned(),
        actor: format!("arn:aws:iam::111122223333:user/{actor_name}"),
        actor_name: Some(actor_name.to_owned()),
        actor_type: "IAMUser".to_owned(),
        source_ip: Some(ip.to_owned()),
        ..AlertEvent::default()
    }
}

#[test]
fn toml_and_json_read_the_same_policy_and_it_matches_as_written() {
    let from_toml = parse_policies("p.toml", GOOD_TOML, PolicyFormat::Toml).unwrap();
    let json = pare_alerts::Policy::file_json(&from_toml);
    let from_json = parse_policies("p.json", &json, PolicyFormat::Json).unwrap();
    assert_eq!(
        pare_alerts::Policy::file_json(&from_json),
        json,
        "export and re-import give the same file"
    );
    for policies in [from_toml, from_json] {
        let mut ev = Evaluator::new(policies);
        let hit = |ev: &mut Evaluator, e: &AlertEvent| !ev.evaluate(e).is_empty();
        assert!(hit(
            &mut ev,
            &event(
                "ListUsers",
                "ci-build",
                "198.51.100.1",
                "2024-01-01T23:00:00Z"
            )
        ));
        assert!(hit(
            &mut ev,
            &event(
                "CreateUser",
                "ci-build",
                "198.51.100.1",
                "2024-01-01T12:00:00Z"
            )
        ));
        // Daytime read, office network, another user: no.
        assert!(!hit(
            &mut ev,
            &event(
                "ListUsers",
                "ci-build",
                "198.51.100.1",
                "2024-01-01T12:00:00Z"
            )
        ));
        assert!(!hit(
            &mut ev,
            &event(
                "CreateUser",
                "ci-build",
                "203.0.113.40",
                "2024-01-01T23:00:00Z"
            )
        ));
        assert!(!hit(
            &mut ev,
            &event(
                "CreateUser",
                "alice",
                "198.51.100.1",
                "2024-01-01T23:00:00Z"
            )
        ));
    }
}

#[test]
fn bad_toml_files_name_file_line_and_field() {
    let with = |from: &str, to: &str| GOOD_TOML.replacen(from, to, 1);
    let cases = [
        (
            with("service = \"iam\"", "servce = \"iam\""),
            "servce",
            "policy[0].match.servce",
            "unknown field `servce`",
        ),
        (
            with("203.0.113.0/24", "203.0.113.0/33"),
            "/33",
            "policy[0].match.not.source_ip",
            "bad CIDR",
        ),
        (
            with("203.0.113.0/24", "203.0.113/24"),
            "203.0.113/24",
            "policy[0].match.not.source_ip",
            "bad CIDR",
        ),
        (
            with("re:^Create(User|AccessKey)$", "re:^Create(User"),
            "re:",
            "policy[0].match.any[1].event_name",
            "bad regular expression",
        ),
        (
            with("actor_name = \"ci-*\"", "actor_name = \"\""),
            "actor_name",
            "policy[0].match.actor_name",
            "empty wildcard",
        ),
        (
            with("severity = \"high\"", "severity = \"urgent\""),
            "urgent",
            "policy[0].severity",
            "unknown variant `urgent`",
        ),
        (
            with(
                "[policy.match]",
                "threshold = { count = 0, within_minutes = 5 }\n[policy.match]",
            ),
            "threshold",
            "policy[0].threshold.count",
            "nonzero",
        ),
        (
            with(
                "[policy.match]",
                "threshold = { count = 3, within_minutes = 0 }\n[policy.match]",
            ),
            "threshold",
            "policy[0].threshold.within_minutes",
            "nonzero",
        ),
        (
            with(
                "[policy.match]",
                "first_seen = { of = \"country\" }\n[policy.match]",
            ),
            "first_seen",
            "policy[0].first_seen.of",
            "unknown variant `country`",
        ),
        (
            with("hours_utc = [22, 6]", "hours_utc = [22, 25]"),
            "hours_utc",
            "policy[0].match.any[0].hours_utc",
            "bad hours",
        ),
        (
            with("service = \"iam\"", "fact = { policy = \"x\" }"),
            "fact",
            "policy[0].match.fact.policy",
            "unknown fact `policy`",
        ),
        (
            with("service = \"iam\"", "after = \"yesterday\""),
            "after",
            "policy[0].match.after",
            "bad time `yesterday`",
        ),
        (
            with("version = 1", "version = 2"),
            "version",
            "version",
            "unsupported policy file version 2",
        ),
        (
            with("id = \"ci-key-outside-office\"", "id = \"CI key\""),
            "CI key",
            "policy[0].id",
            "bad policy id",
        ),
        (
            with("recommendation = \"Rotate the keys.\"", ""),
            "[[policy]]",
            "policy[0]",
            "missing field `recommendation`",
        ),
    ];
    for (text, needle, field, message) in cases {
        let line = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let e = toml_err(&text);
        assert_eq!(e.file, "policies/bad.toml");
        assert_eq!((e.line, e.field.as_str()), (line, field), "{e}");
        assert!(e.message.contains(message), "{e}");
        assert!(
            e.to_string()
                .starts_with(&format!("policies/bad.toml:{line}:")),
            "{e}"
        );
    }
    let both = with(
        "[policy.match]",
        "threshold = { count = 3, within_minutes = 5 }\nfirst_seen = { of = \"region\" }\n[policy.match]",
    );
    let e = toml_err(&both);
    assert_eq!(
        (e.line, e.field.as_str()),
        (5, "policy[0].threshold"),
        "{e}"
    );
    let twice = format!("{GOOD_TOML}{}", GOOD_TOML.replace("version = 1", ""));
    let e = toml_err(&twice);
    assert!(e.message.contains("duplicate policy id"), "{e}");
    let e = toml_err("version = 1\n[[policy]\n");
    assert_eq!(e.line, 2, "{e}");
}

#[test]
fn bad_json_files_name_file_line_and_field() {
    let good = pare_alerts::Policy::file_json(
        &parse_policies("p.toml", GOOD_TOML, PolicyFormat::Toml).unwrap(),
    );
    let with = |from: &str, to: &str| {
        assert!(good.contains(from), "{from}");
        good.replacen(from, to, 1)
    };
    let line_of = |needle: &str| good.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let cases = [
        (
            with("\"service\"", "\"servce\""),
            line_of("\"service\""),
            "policy[0].match.servce",
            "unknown field `servce`",
        ),
        (
            with("203.0.113.0/24", "300.0.113.0/24"),
            line_of("203.0.113.0/24"),
            "policy[0].match.not.source_ip",
            "bad CIDR",
        ),
        (
            with("re:^Create(User|AccessKey)$", "re:(("),
            line_of("re:^Create"),
            "policy[0].match.any[1].event_name",
            "bad regular expression",
        ),
    ];
    for (text, line, field, message) in cases {
        let e = match parse_policies("policies/bad.json", &text, PolicyFormat::Json) {
            Ok(_) => panic!("accepted ({field}):\n{text}"),
            Err(e) => e,
        };
        assert_eq!((e.line, e.field.as_str()), (line, field), "{e}");
        assert!(e.message.contains(message), "{e}");
    }
    let zero = with(
        "\"match\"",
        "\"threshold\": {\"count\": 0, \"within_minutes\": 5},\n      \"match\"",
    );
    let e = json_err(&zero);
    assert_eq!(e.field, "policy[0].threshold.count", "{e}");
    assert!(e.message.contains("nonzero"), "{e}");
}
