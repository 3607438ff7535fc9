//! The desktop app in a real window: builds `pare-desktop` (UI embedded from `ui/dist`), drives it
//! through `tauri-driver` and WebKitWebDriver, checks the demo dashboard against the `pare` CLI on
//! the same trail, visits every screen, imports a fixture folder through "Open folder…" and sees
//! its events, and saves a full-window screenshot of each screen under
//! `<target>/e2e-screenshots/`.
//!
//! Needs a display (`scripts/test.sh` starts Xvfb), `tauri-driver` and `WebKitWebDriver`. Outside CI
//! it is skipped, with a message, when one is missing; under `CI=true` it always runs.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use pare_tests::{pare_binary, tests_dir};
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn on_path(name: &str) -> Option<PathBuf> {
    let home_bin = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin").join(name));
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .chain(home_bin)
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn target_dir() -> PathBuf {
    // The test executable lives in `<target>/<profile>/deps/`.
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Builds the desktop binary (a no-op when fresh) with the same cargo and target directory.
fn desktop_binary() -> PathBuf {
    let dist = tests_dir().join("../ui/dist/index.html");
    assert!(
        dist.is_file(),
        "`ui/dist` is missing: build the UI first (`npm --prefix ui run build`), scripts/test.sh does"
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "pare-desktop",
            "--bin",
            "pare-desktop",
        ])
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(tests_dir())
        .status()
        .unwrap();
    assert!(status.success(), "could not build pare-desktop");
    target_dir().join("debug/pare-desktop")
}

/// A W3C WebDriver session over plain HTTP; requests that fail in transport (tauri-driver 2.1
/// sometimes resets a connection) are sent again.
pub(crate) struct Driver {
    base: String,
    session: String,
}

fn send(method: &str, url: &str, body: Option<&Value>) -> Value {
    let mut last = String::new();
    for attempt in 0..4 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(300));
        }
        let req = ureq::request(method, url).timeout(Duration::from_secs(120));
        let res = match body {
            Some(b) => req.send_json(b.clone()),
            None => req.call(),
        };
        match res {
            Ok(r) => return r.into_json().unwrap(),
            Err(ureq::Error::Status(code, r)) => {
                let text = r.into_string().unwrap_or_default();
                panic!("{method} {url}: HTTP {code}: {text}");
            }
            Err(e) => last = e.to_string(),
        }
    }
    panic!("{method} {url}: {last}");
}

impl Driver {
    fn url(&self, path: &str) -> String {
        format!("{}/session/{}{path}", self.base, self.session)
    }

    pub(crate) fn script(&self, script: &str, args: Value) -> Value {
        send(
            "POST",
            &self.url("/execute/sync"),
            Some(&json!({"script": script, "args": args})),
        )["value"]
            .clone()
    }

    /// Waits for `script` (a function body returning a value) to return something other than null.
    pub(crate) fn wait_for(&self, what: &str, script: &str, args: Value) -> Value {
        let start = Instant::now();
        loop {
            let v = self.script(script, args.clone());
            if !v.is_null() {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "timed out waiting for {what}; page text: {}",
                self.script("return document.body.innerText.slice(0, 2000)", json!([]))
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The `data-value` of the element with this `data-testid`, once it is there.
    pub(crate) fn value_of(&self, testid: &str) -> String {
        let v = self.wait_for(
            testid,
            "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); \
             return e && e.dataset.value !== undefined && e.dataset.value !== '' ? e.dataset.value : null;",
            json!([testid]),
        );
        v.as_str().unwrap().to_owned()
    }

    /// Waits until the `data-value` of the element with this `data-testid` is `want` (screens
    /// reload after an import, so an old value may show first).
    pub(crate) fn expect_value(&self, testid: &str, want: impl ToString) {
        let want = want.to_string();
        let start = Instant::now();
        loop {
            let got = self.script(
                "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`); \
                 return e ? (e.dataset.value ?? null) : null;",
                json!([testid]),
            );
            if got.as_str() == Some(want.as_str()) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "{testid}: expected {want}, the window shows {got}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub(crate) fn click(&self, css: &str) {
        let start = Instant::now();
        let element = loop {
            let found = ureq::post(&self.url("/element"))
                .send_json(json!({"using": "css selector", "value": css}));
            if let Ok(r) = found {
                let v: Value = r.into_json().unwrap();
                break v["value"][ELEMENT].as_str().unwrap().to_owned();
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no element `{css}`"
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        // A control below the fold of a scrolled panel is "not interactable" until it is in view.
        self.script(
            "arguments[0].scrollIntoView({block: 'center'}); return true",
            json!([{ ELEMENT: element }]),
        );
        send(
            "POST",
            &self.url(&format!("/element/{element}/click")),
            Some(&json!({})),
        );
    }

    /// A full-window screenshot after two animation frames (so it shows the new frame).
    pub(crate) fn screenshot(&self, dir: &Path, name: &str) {
        send(
            "POST",
            &self.url("/execute/async"),
            Some(&json!({
                "script": "const done = arguments[arguments.length - 1]; \
                           requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                "args": []
            })),
        );
        let v = send("GET", &self.url("/screenshot"), None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v["value"].as_str().unwrap())
            .unwrap();
        assert!(
            png.len() > 10_000,
            "screenshot {name} looks empty ({} bytes)",
            png.len()
        );
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

/// Stops tauri-driver the way it cleans up (SIGTERM ends WebKitWebDriver too), then for sure.
struct Stop(Child);
impl Drop for Stop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Ends the WebDriver session (which closes the app's window and process), also when a check failed.
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.url(""))
            .timeout(Duration::from_secs(20))
            .call();
    }
}

pub(crate) fn pare_json(args: &[&str]) -> Value {
    let out = Command::new(pare_binary()).args(args).output().unwrap();
    // `pare import` exits 1 when some input was bad (the rest imported).
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "pare {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Resident memory (KiB) of the app's process and of the WebKit processes it started, from /proc.
fn app_rss_kib(app: &Path) -> (u64, u64) {
    let field = |pid: &str, name: &str| -> Option<String> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_owned()))
    };
    let kib = |pid: &str| -> u64 {
        field(pid, "VmRSS:")
            .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
            .unwrap_or(0)
    };
    let pids: Vec<String> = std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                .collect()
        })
        .unwrap_or_default();
    let Some(app_pid) = pids
        .iter()
        .find(|p| std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == app))
    else {
        return (0, 0);
    };
    let webkit: u64 = pids
        .iter()
        .filter(|p| field(p, "PPid:").as_deref() == Some(app_pid.as_str()))
        .map(|p| kib(p))
        .sum();
    (kib(app_pid), webkit)
}

pub(crate) fn distinct_actions(usage: &Value) -> usize {
    let mut actions: Vec<&str> = usage
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    actions.sort_unstable();
    actions.dedup();
    actions.len()
}

#[test]
fn desktop_app_in_a_real_window() {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    let driver_bin = on_path("tauri-driver");
    let webkit = on_path("WebKitWebDriver");
    let display = std::env::var_os("DISPLAY").is_some();
    if !ci && (driver_bin.is_none() || webkit.is_none() || !display) {
        eprintln!(
            "skipping the desktop E2E test (not under CI): needs tauri-driver ({}), WebKitWebDriver ({}) and a \
             display (DISPLAY {}); `scripts/test.sh` sets all three up",
            if driver_bin.is_some() {
                "found"
            } else {
                "missing"
            },
            if webkit.is_some() { "found" } else { "missing" },
            if display { "set" } else { "unset" },
        );
        return;
    }
    let driver_bin =
        driver_bin.expect("CI: tauri-driver is not installed (scripts/setup.sh installs it)");
    let webkit = webkit.expect("CI: WebKitWebDriver is not installed (package webkit2gtk-driver)");
    assert!(
        display,
        "CI: DISPLAY is not set (scripts/test.sh starts Xvfb)"
    );
    let started = Instant::now();
    let app = desktop_binary();

    let tmp = tempfile::tempdir().unwrap();
    let shots = target_dir().join("e2e-screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    // What the CLI says about the same data: the demo account's trail, and the fixture folder to import.
    let demo_trail = tests_dir().join("../crates/pare-engine/demo/trail");
    let demo_db = tmp.path().join("expected-demo.db");
    let demo = pare_json(&[
        "import",
        "--db",
        demo_db.to_str().unwrap(),
        "--cloudtrail",
        demo_trail.to_str().unwrap(),
        "--json",
    ]);
    let demo_usage = pare_json(&["usage", "--db", demo_db.to_str().unwrap(), "--json"]);
    let folder = tmp.path().join("my-logs");
    std::fs::create_dir_all(&folder).unwrap();
    let panther = tests_dir().join("data/cloudtrail/panther");
    for name in ["rule_test_events.json.gz", "scenario_events.jsonl"] {
        std::fs::copy(panther.join(name), folder.join(name)).unwrap();
    }
    std::fs::write(
        folder.join("broken.json"),
        "{\"Records\": [{\"eventTime\": 12,",
    )
    .unwrap();
    let mine_db = tmp.path().join("expected-mine.db");
    let mine = pare_json(&[
        "import",
        "--db",
        mine_db.to_str().unwrap(),
        "--cloudtrail",
        folder.to_str().unwrap(),
        "--json",
    ]);

    // tauri-driver, with the app's data in the temporary directory, the folder to "pick" and where to "save".
    let save_dir = tmp.path().join("exports");
    std::fs::create_dir_all(&save_dir).unwrap();
    let (port, native) = (free_port(), free_port());
    let data_home = tmp.path().join("data");
    let child = Command::new(&driver_bin)
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .arg("--native-driver")
        .arg(&webkit)
        .env("XDG_DATA_HOME", &data_home)
        .env("XDG_CONFIG_HOME", tmp.path().join("config"))
        .env("XDG_CACHE_HOME", tmp.path().join("cache"))
        .env("PARE_E2E_PICK", &folder)
        // WebKit's default GPU policy: without compositing, WebDriver screenshots can hang (the app turns it off
        // for users, `src-tauri/src/webview_tuning.rs`).
        .env("PARE_WEBKIT_DEFAULTS", "gpu")
        .envs(crate::e2e_connect::app_env(tmp.path()))
        .env(crate::e2e_identity::SAVE_DIR_ENV, &save_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let _driver = Stop(child);
    let start = Instant::now();
    while [port, native]
        .iter()
        .any(|p| TcpStream::connect(("127.0.0.1", *p)).is_err())
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "tauri-driver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let base = format!("http://127.0.0.1:{port}");
    // From here: the app starts (the session request launches it) until the dashboard shows its numbers.
    let launched = Instant::now();
    let session = send(
        "POST",
        &format!("{base}/session"),
        Some(&json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}})),
    );
    let d = Driver {
        base,
        session: session["value"]["sessionId"].as_str().unwrap().to_owned(),
    };

    // Dashboard on the demo account: the same numbers as the CLI.
    d.expect_value("stat-events", demo["totals"]["events"].to_string());
    let interactive = launched.elapsed();
    assert_eq!(
        d.script(
            "return document.querySelector('[data-testid=\"database-label\"]').dataset.demo",
            json!([])
        ),
        json!("true")
    );
    d.expect_value("stat-principals", demo["totals"]["principals"].to_string());
    d.expect_value("stat-denied", demo["totals"]["denied_events"].to_string());
    d.expect_value("stat-files", demo["totals"]["files"].to_string());
    d.expect_value(
        "stat-actions-used",
        distinct_actions(&demo_usage).to_string(),
    );
    let mapped: f64 = d.value_of("stat-mapped").parse().unwrap();
    let (m, c) = (
        demo["mapped_calls"].as_f64().unwrap(),
        demo["calls"].as_f64().unwrap(),
    );
    assert!(
        (mapped - m * 100.0 / c).abs() < 1e-9,
        "mapped {mapped} vs {m}/{c}"
    );
    let (app_rss, webkit_rss) = app_rss_kib(&app);
    d.screenshot(&shots, "1-dashboard-demo");

    // Activity: every event, newest first.
    d.click("[data-testid=\"nav-activity\"]");
    d.expect_value("activity-total", demo["totals"]["events"].to_string());
    d.wait_for("activity rows", "return document.querySelectorAll('[data-testid=\"activity-table\"] [role=row][aria-rowindex]').length > 5 ? true : null", json!([]));
    d.screenshot(&shots, "2-activity");

    // Principals, then the attacker's user: its actions are those `pare usage --principal` lists.
    d.click("[data-testid=\"nav-principals\"]");
    d.expect_value("principals-total", demo["totals"]["principals"].to_string());
    d.screenshot(&shots, "3-principals");
    let attacker = "arn:aws:iam::210987654321:user/bob.martin";
    d.click("[data-testid=\"principals-search\"]");
    d.script(
        "const i = document.querySelector('[data-testid=\"principals-search\"]'); \
         const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set; \
         set.call(i, arguments[0]); i.dispatchEvent(new Event('input', {bubbles: true}));",
        json!([attacker]),
    );
    d.expect_value("principals-total", "1");
    d.click("[data-testid=\"principal-row\"]");
    d.click("[data-testid=\"tab-activity\"]");
    let used = pare_json(&[
        "usage",
        "--db",
        demo_db.to_str().unwrap(),
        "--principal",
        attacker,
        "--json",
    ]);
    d.expect_value("principal-actions", distinct_actions(&used).to_string());
    d.wait_for(
        "service usage",
        "return document.querySelector('[data-testid=\"service-usage\"]') ? true : null",
        json!([]),
    );
    d.screenshot(&shots, "4-principal-detail");
    crate::e2e_identity::identity_detail(&d, crate::e2e_identity::DEMO_IDENTITY, &save_dir, &shots);

    // Identities, findings and the dashboard's account panels: the engine's numbers, as the CLI prints them.
    crate::e2e_identities::identities_and_findings(&d, &shots, tmp.path());

    // Root account: the demo's root signed in three times.
    d.click("[data-testid=\"nav-root\"]");
    d.wait_for(
        "root screen",
        "return document.querySelector('[data-testid=\"root-timeline\"]') ? true : null",
        json!([]),
    );
    d.screenshot(&shots, "5-root-demo");
    crate::e2e_review::alerts_reviews_and_drift(
        &d,
        &shots,
        &data_home.join("dev.pare.app/demo.db"),
        tmp.path(),
    );

    // Open folder…: the fixture folder is imported with its bad file named, and its events appear.
    d.click("[data-testid=\"nav-dashboard\"]");
    d.click("[data-testid=\"open-folder\"]");
    d.expect_value("import-new-events", mine["new_events"].to_string());
    let problems = d.wait_for("import problems", "const e = document.querySelector('[data-testid=\"import-problems\"]'); return e ? e.innerText : null", json!([]));
    assert!(
        problems.as_str().unwrap().contains("broken.json"),
        "{problems}"
    );
    d.wait_for(
        "the user's own database",
        "const e = document.querySelector('[data-testid=\"database-label\"]'); return e && e.dataset.demo === 'false' ? true : null",
        json!([]),
    );
    d.expect_value("stat-events", mine["totals"]["events"].to_string());
    d.expect_value("stat-principals", mine["totals"]["principals"].to_string());
    d.screenshot(&shots, "6-dashboard-imported");
    d.click("[data-testid=\"nav-activity\"]");
    d.expect_value("activity-total", mine["totals"]["events"].to_string());
    d.screenshot(&shots, "7-activity-imported");
    d.click("[data-testid=\"nav-root\"]");
    d.wait_for("root screen", "return document.querySelector('[data-testid=\"root-timeline\"]') || document.body.innerText.includes('No root activity') ? true : null", json!([]));
    d.screenshot(&shots, "8-root-imported");
    d.click("[data-testid=\"nav-findings\"]");
    d.wait_for(
        "findings of the imported logs",
        "return document.querySelector('[data-testid=\"findings-total\"]') || document.body.innerText.includes('No findings') ? true : null",
        json!([]),
    );
    d.screenshot(&shots, "9-findings-imported");
    crate::e2e_connect::connect_to_aws(&d, tmp.path(), &shots);

    eprintln!(
        "desktop E2E: launch to interactive dashboard {:.2} s (demo, debug build); RSS app {} MiB + WebKit \
         processes {} MiB; whole test {:.1} s; screenshots in {}",
        interactive.as_secs_f64(),
        app_rss / 1024,
        webkit_rss / 1024,
        started.elapsed().as_secs_f64(),
        shots.display()
    );
}
