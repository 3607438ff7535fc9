-- Live AWS scans (`pare scan`): one row per scan, what could not be read, the raw documents read
-- (JSON or CSV text by kind), Access Advisor's last-accessed data (an additional usage source that
-- covers 400 days; the latest scan of a principal replaces its rows) and Access Analyzer's findings
-- (the latest scan of an analyzer replaces its rows).
CREATE TABLE aws_scans (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    account TEXT NOT NULL,
    caller_arn TEXT NOT NULL,
    region TEXT,
    summary_json TEXT NOT NULL
);

CREATE TABLE aws_scan_problems (
    scan_id INTEGER NOT NULL REFERENCES aws_scans(id) ON DELETE CASCADE,
    api TEXT NOT NULL,
    code TEXT,
    message TEXT NOT NULL
);
CREATE INDEX aws_scan_problems_scan ON aws_scan_problems(scan_id);

CREATE TABLE aws_scan_documents (
    scan_id INTEGER NOT NULL REFERENCES aws_scans(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (scan_id, kind)
);

-- `action_name` is '' for the service-level row.
CREATE TABLE service_last_accessed (
    principal_arn TEXT NOT NULL,
    service_namespace TEXT NOT NULL,
    action_name TEXT NOT NULL,
    last_accessed TEXT,
    entity TEXT,
    region TEXT,
    scan_id INTEGER NOT NULL REFERENCES aws_scans(id) ON DELETE CASCADE,
    PRIMARY KEY (principal_arn, service_namespace, action_name)
);

CREATE TABLE access_analyzer_findings (
    analyzer_arn TEXT NOT NULL,
    id TEXT NOT NULL,
    finding_type TEXT,
    resource TEXT,
    resource_type TEXT NOT NULL,
    resource_owner_account TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    error TEXT,
    scan_id INTEGER NOT NULL REFERENCES aws_scans(id) ON DELETE CASCADE,
    PRIMARY KEY (analyzer_arn, id)
);
