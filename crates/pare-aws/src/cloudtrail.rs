//! CloudTrail collection: DescribeTrails and GetTrailStatus; the trails' S3 log objects for the
//! window (account and organisation layouts) downloaded into a cache the importer reads; and, when no
//! log object could be read, LookupEvents (2 requests per second, 90 days back) written as
//! `lookup-events` pages. Downloads skip objects already in the cache, so a scan resumes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aws_config::SdkConfig;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use crate::{Collection, Problem, ScanOptions, sdk_time, time_text};

/// Downloads at once.
const PARALLEL_DOWNLOADS: usize = 8;
/// How far back LookupEvents reaches.
const LOOKUP_HORIZON_DAYS: u64 = 90;

/// An S3 bucket and key prefix (`s3://bucket/prefix`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct S3Location {
    /// The bucket.
    pub bucket: String,
    /// The key prefix, without a trailing `/` (empty for the bucket's root).
    pub prefix: String,
}

impl S3Location {
    /// Parses `s3://bucket` or `s3://bucket/prefix/`.
    ///
    /// # Errors
    ///
    /// A message when `text` is not an `s3://` URL with a bucket.
    pub fn parse(text: &str) -> Result<Self, String> {
        let rest = text
            .strip_prefix("s3://")
            .ok_or_else(|| format!("`{text}` is not an s3:// url"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("`{text}` names no bucket"));
        }
        Ok(Self {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        })
    }

    fn logs_root(&self) -> String {
        if self.prefix.is_empty() {
            "AWSLogs/".to_owned()
        } else {
            format!("{}/AWSLogs/", self.prefix)
        }
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// A trail and its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrailInfo {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: Option<String>,
    /// Its home region.
    pub home_region: Option<String>,
    /// The bucket it delivers to.
    pub s3_bucket: Option<String>,
    /// The key prefix in that bucket.
    pub s3_prefix: Option<String>,
    /// All regions.
    pub multi_region: bool,
    /// An organisation trail.
    pub organization: bool,
    /// Logging now (GetTrailStatus).
    pub logging: Option<bool>,
    /// The last delivery to S3.
    pub latest_delivery: Option<String>,
    /// The last delivery error.
    pub latest_delivery_error: Option<String>,
}

/// What the CloudTrail stage read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CloudTrailCollection {
    /// Trails (DescribeTrails, shadow trails included).
    pub trails: Vec<TrailInfo>,
    /// The S3 locations read.
    pub locations: Vec<S3Location>,
    /// Log objects listed for the window.
    pub objects_listed: usize,
    /// Objects downloaded by this scan.
    pub objects_downloaded: usize,
    /// Objects already in the cache from an earlier scan.
    pub objects_cached: usize,
    /// LookupEvents pages read.
    pub lookup_pages: usize,
    /// Events LookupEvents returned.
    pub lookup_events: usize,
    /// Local files for the CloudTrail importer.
    pub files: Vec<PathBuf>,
}

/// An object to fetch.
#[derive(Debug, Clone)]
struct Object {
    bucket: String,
    key: String,
    size: i64,
}

pub(crate) async fn collect(
    config: &SdkConfig,
    options: &ScanOptions,
    account: &str,
    out: &mut Collection,
    progress: &mut (dyn FnMut(String) + Send),
) {
    let client = aws_sdk_cloudtrail::Client::from_conf(
        aws_sdk_cloudtrail::config::Builder::from(config)
            .retry_partition(crate::retry_partition("cloudtrail"))
            .build(),
    );
    match client
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
    {
        Ok(r) => {
            for t in r.trail_list() {
                let mut info = TrailInfo {
                    name: t.name().unwrap_or_default().to_owned(),
                    arn: t.trail_arn().map(ToOwned::to_owned),
                    home_region: t.home_region().map(ToOwned::to_owned),
                    s3_bucket: t.s3_bucket_name().map(ToOwned::to_owned),
                    s3_prefix: t.s3_key_prefix().map(ToOwned::to_owned),
                    multi_region: t.is_multi_region_trail().unwrap_or(false),
                    organization: t.is_organization_trail().unwrap_or(false),
                    logging: None,
                    latest_delivery: None,
                    latest_delivery_error: None,
                };
                let name = info.arn.clone().unwrap_or_else(|| info.name.clone());
                match client.get_trail_status().name(name).send().await {
                    Ok(s) => {
                        info.logging = s.is_logging();
                        info.latest_delivery = s.latest_delivery_time().map(time_text);
                        info.latest_delivery_error =
                            s.latest_delivery_error().map(ToOwned::to_owned);
                    }
                    Err(e) => out
                        .problems
                        .push(Problem::from_sdk("cloudtrail:GetTrailStatus", &e)),
                }
                out.cloudtrail.trails.push(info);
            }
        }
        Err(e) => out
            .problems
            .push(Problem::from_sdk("cloudtrail:DescribeTrails", &e)),
    }

    let locations: BTreeSet<S3Location> = match &options.cloudtrail_bucket {
        Some(l) => BTreeSet::from([l.clone()]),
        None => out
            .cloudtrail
            .trails
            .iter()
            .filter_map(|t| {
                Some(S3Location {
                    bucket: t.s3_bucket.clone()?,
                    prefix: t
                        .s3_prefix
                        .clone()
                        .unwrap_or_default()
                        .trim_matches('/')
                        .to_owned(),
                })
            })
            .collect(),
    };
    let s3 = s3_client(config, options);
    let mut objects = Vec::new();
    for location in &locations {
        progress(format!("listing {location}"));
        if let Some(found) = list_location(&s3, location, account, options, out).await {
            out.cloudtrail.locations.push(location.clone());
            objects.extend(found);
        }
    }
    out.cloudtrail.objects_listed = objects.len();
    if !objects.is_empty() {
        progress(format!("downloading {} log objects", objects.len()));
        download(&s3, objects, options, out).await;
    }
    if out.cloudtrail.locations.is_empty() {
        progress("no trail bucket could be read: lookup-events".to_owned());
        lookup_events(&client, options, out, progress).await;
    }
}

fn s3_client(config: &SdkConfig, options: &ScanOptions) -> aws_sdk_s3::Client {
    let mut builder =
        aws_sdk_s3::config::Builder::from(config).retry_partition(crate::retry_partition("s3"));
    if options.endpoint_url.is_some() || config.endpoint_url().is_some() {
        // AWS-compatible servers on loopback (an endpoint given here, in the environment or in the
        // profile) have no virtual-hosted bucket names.
        builder = builder.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// ListObjectsV2 with every continuation page: (common prefixes, objects).
async fn list(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    delimiter: bool,
) -> Result<(Vec<String>, Vec<Object>), Problem> {
    let mut prefixes = Vec::new();
    let mut objects = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .set_continuation_token(token.clone());
        if delimiter {
            req = req.delimiter("/");
        }
        let page = req
            .send()
            .await
            .map_err(|e| Problem::from_sdk("s3:ListBucket", &e))?;
        prefixes.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix().map(ToOwned::to_owned)),
        );
        objects.extend(page.contents().iter().filter_map(|o| {
            Some(Object {
                bucket: bucket.to_owned(),
                key: o.key()?.to_owned(),
                size: o.size().unwrap_or(-1),
            })
        }));
        match page.next_continuation_token() {
            Some(t) if page.is_truncated() == Some(true) && Some(t) != token.as_deref() => {
                token = Some(t.to_owned());
            }
            _ => return Ok((prefixes, objects)),
        }
    }
}

/// The days from `since` to `until` (or today), as `YYYY/MM/DD/`.
fn days(since: DateTime<Utc>, until: Option<DateTime<Utc>>) -> Vec<String> {
    let last: NaiveDate = until.unwrap_or_else(Utc::now).date_naive();
    let mut day = since.date_naive();
    let mut out = Vec::new();
    while day <= last {
        out.push(day.format("%Y/%m/%d/").to_string());
        match day.checked_add_days(Days::new(1)) {
            Some(d) => day = d,
            None => break,
        }
    }
    out
}

/// Lists the account's CloudTrail log objects under `location` for the window: the account layout
/// (`AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`) and the organisation layout
/// (`AWSLogs/<org id>/<account>/CloudTrail/…`). None when the bucket could not be listed.
async fn list_location(
    s3: &aws_sdk_s3::Client,
    location: &S3Location,
    account: &str,
    options: &ScanOptions,
    out: &mut Collection,
) -> Option<Vec<Object>> {
    let root = location.logs_root();
    let (children, _) = match list(s3, &location.bucket, &root, true).await {
        Ok(r) => r,
        Err(p) => {
            out.problems.push(Problem {
                message: format!("{location}: {}", p.message),
                ..p
            });
            return None;
        }
    };
    let mut account_roots = Vec::new();
    for child in &children {
        let name = child
            .strip_prefix(&root)
            .unwrap_or(child)
            .trim_end_matches('/');
        if name == account {
            account_roots.push(format!("{child}CloudTrail/"));
        } else if name.starts_with("o-") {
            account_roots.push(format!("{child}{account}/CloudTrail/"));
        }
    }
    let mut objects = Vec::new();
    for account_root in account_roots {
        let regions = match list(s3, &location.bucket, &account_root, true).await {
            Ok((regions, _)) => regions,
            Err(p) => {
                out.problems.push(p);
                continue;
            }
        };
        for region in regions {
            let prefixes = match options.since {
                Some(since) => days(since, options.until)
                    .into_iter()
                    .map(|d| format!("{region}{d}"))
                    .collect(),
                None => vec![region.clone()],
            };
            for prefix in prefixes {
                match list(s3, &location.bucket, &prefix, false).await {
                    Ok((_, found)) => objects.extend(
                        found
                            .into_iter()
                            .filter(|o| o.key.ends_with(".json.gz") || o.key.ends_with(".json")),
                    ),
                    Err(p) => out.problems.push(p),
                }
            }
        }
    }
    Some(objects)
}

/// The cache path of an object: `<cache>/s3/<bucket>/<key>`, with `..` and empty parts dropped.
fn cache_path(cache: &Path, bucket: &str, key: &str) -> PathBuf {
    let mut path = cache.join("s3").join(bucket);
    for part in key.split('/') {
        if !part.is_empty() && part != "." && part != ".." {
            path.push(part);
        }
    }
    path
}

async fn fetch_object(
    s3: aws_sdk_s3::Client,
    object: Object,
    path: PathBuf,
) -> Result<PathBuf, Problem> {
    let api = "s3:GetObject";
    let io = |e: std::io::Error| Problem::new(api, format!("`{}`: {e}", path.display()));
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(io)?;
    }
    let resp = s3
        .get_object()
        .bucket(&object.bucket)
        .key(&object.key)
        .send()
        .await
        .map_err(|e| {
            let p = Problem::from_sdk(api, &e);
            Problem {
                message: format!("s3://{}/{}: {}", object.bucket, object.key, p.message),
                ..p
            }
        })?;
    let partial = path.with_extension("partial");
    let mut file = tokio::fs::File::create(&partial).await.map_err(io)?;
    let mut body = resp.body;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            Problem::new(api, format!("s3://{}/{}: {e}", object.bucket, object.key))
        })?;
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.flush().await.map_err(io)?;
    drop(file);
    tokio::fs::rename(&partial, &path).await.map_err(io)?;
    Ok(path)
}

/// Downloads the objects not already in the cache (same size), `PARALLEL_DOWNLOADS` at a time.
async fn download(
    s3: &aws_sdk_s3::Client,
    objects: Vec<Object>,
    options: &ScanOptions,
    out: &mut Collection,
) {
    let cache = options.cache_dir.as_path();
    let mut tasks = tokio::task::JoinSet::new();
    let mut pending = objects.into_iter();
    loop {
        // Cancelled: let the running downloads finish, start no more.
        while tasks.len() < PARALLEL_DOWNLOADS && !options.cancelled() {
            let Some(object) = pending.next() else { break };
            let path = cache_path(cache, &object.bucket, &object.key);
            let cached = std::fs::metadata(&path)
                .ok()
                .is_some_and(|m| i64::try_from(m.len()).ok() == Some(object.size));
            if cached {
                out.cloudtrail.objects_cached += 1;
                out.cloudtrail.files.push(path);
                continue;
            }
            tasks.spawn(fetch_object(s3.clone(), object, path));
        }
        match tasks.join_next().await {
            Some(Ok(Ok(path))) => {
                out.cloudtrail.objects_downloaded += 1;
                out.cloudtrail.files.push(path);
            }
            Some(Ok(Err(problem))) => out.problems.push(problem),
            Some(Err(e)) => out.problems.push(Problem::new(
                "s3:GetObject",
                format!("download task failed: {e}"),
            )),
            None => break,
        }
    }
    out.cloudtrail.files.sort();
}

/// LookupEvents for the window (at most 90 days back), one request per `lookup_interval`, each page
/// written as `{"Events":[…]}` (the `aws cloudtrail lookup-events` shape) for the importer.
async fn lookup_events(
    client: &aws_sdk_cloudtrail::Client,
    options: &ScanOptions,
    out: &mut Collection,
    progress: &mut (dyn FnMut(String) + Send),
) {
    let now = Utc::now();
    let horizon = now
        .checked_sub_days(Days::new(LOOKUP_HORIZON_DAYS))
        .unwrap_or(now);
    let start = options.since.map_or(horizon, |s| s.max(horizon));
    let end = options.until.map_or(now, |u| u.min(now));
    if start >= end {
        return;
    }
    let dir = options
        .cache_dir
        .join("lookup-events")
        .join(out.region.clone().unwrap_or_else(|| "default".to_owned()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        out.problems.push(Problem::new(
            "cloudtrail:LookupEvents",
            format!("`{}`: {e}", dir.display()),
        ));
        return;
    }
    let mut token: Option<String> = None;
    let mut page_number = 0usize;
    loop {
        if options.cancelled() {
            return;
        }
        if page_number > 0 {
            tokio::time::sleep(options.lookup_interval).await;
        }
        let page = match client
            .lookup_events()
            .start_time(sdk_time(start))
            .end_time(sdk_time(end))
            .max_results(50)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(p) => p,
            Err(e) => {
                out.problems
                    .push(Problem::from_sdk("cloudtrail:LookupEvents", &e));
                return;
            }
        };
        page_number += 1;
        let events: Vec<Value> = page
            .events()
            .iter()
            .map(|e| {
                json!({
                    "EventId": e.event_id(),
                    "EventName": e.event_name(),
                    "EventTime": e.event_time().map(time_text),
                    "EventSource": e.event_source(),
                    "Username": e.username(),
                    "CloudTrailEvent": e.cloud_trail_event(),
                })
            })
            .collect();
        out.cloudtrail.lookup_pages += 1;
        out.cloudtrail.lookup_events += events.len();
        if !events.is_empty() {
            let path = dir.join(format!(
                "{}-{}-{page_number:05}.json",
                start.timestamp(),
                end.timestamp()
            ));
            let text = json!({ "Events": events }).to_string();
            match std::fs::write(&path, text) {
                Ok(()) => out.cloudtrail.files.push(path),
                Err(e) => out.problems.push(Problem::new(
                    "cloudtrail:LookupEvents",
                    format!("`{}`: {e}", path.display()),
                )),
            }
        }
        if page_number % 20 == 0 {
            progress(format!(
                "lookup-events: {} events in {page_number} pages",
                out.cloudtrail.lookup_events
            ));
        }
        match page.next_token() {
            Some(t) if Some(t) != token.as_deref() => token = Some(t.to_owned()),
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use super::*;

    #[test]
    fn s3_urls_parse_with_and_without_prefix() {
        assert_eq!(
            S3Location::parse("s3://logs/org/trail/").unwrap(),
            S3Location {
                bucket: "logs".into(),
                prefix: "org/trail".into()
            }
        );
        assert_eq!(
            S3Location::parse("s3://logs").unwrap().logs_root(),
            "AWSLogs/"
        );
        assert!(S3Location::parse("logs").is_err());
        assert!(S3Location::parse("s3:///x").is_err());
    }

    #[test]
    fn days_cover_the_window_inclusive() {
        let since = "2024-02-28T10:00:00Z".parse().unwrap();
        let until = "2024-03-01T01:00:00Z".parse().unwrap();
        assert_eq!(
            days(since, Some(until)),
            ["2024/02/28/", "2024/02/29/", "2024/03/01/"]
        );
    }

    #[test]
    fn cache_paths_stay_inside_the_cache() {
        let p = cache_path(Path::new("/c"), "b", "../../etc/AWSLogs//x.json.gz");
        assert_eq!(p, Path::new("/c/s3/b/etc/AWSLogs/x.json.gz"));
    }
}
