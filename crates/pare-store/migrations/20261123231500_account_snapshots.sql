-- Account snapshots: one per import of authorization details (+ credential report, SCPs, known accounts),
-- with the raw files so the model can be rebuilt by a later Pare, and the principals for comparing snapshots.
CREATE TABLE account_snapshots (
    id INTEGER PRIMARY KEY,
    -- When the data was taken (RFC 3339 UTC): the credential report's generation time when known, else the import.
    taken_at TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    account_id TEXT,
    -- sha256 over every file's kind, name and content: importing the same files again adds nothing.
    content_sha256 TEXT NOT NULL UNIQUE,
    -- Counts and problems (JSON).
    summary TEXT NOT NULL
);

CREATE TABLE account_snapshot_files (
    snapshot_id INTEGER NOT NULL REFERENCES account_snapshots(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('authz', 'credential_report', 'org_policies', 'known_accounts', 'managed_policies')),
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, position)
);

CREATE TABLE account_snapshot_principals (
    snapshot_id INTEGER NOT NULL REFERENCES account_snapshots(id) ON DELETE CASCADE,
    arn TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    unique_id TEXT,
    created_at TEXT,
    -- The managed policies attached (own and through groups), the inline policy names and the boundary (JSON).
    policies TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, arn)
);
