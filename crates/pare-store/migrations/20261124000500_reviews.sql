-- Review campaigns: a named review over one account snapshot and a usage window, what it covered (its items: every
-- finding and every identity of the snapshot when it started) and the reviewer's decisions, which carry over to the
-- next review when the identity and the finding are unchanged.
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    snapshot_id INTEGER NOT NULL REFERENCES account_snapshots(id),
    -- The usage window (RFC 3339 UTC), when given.
    since TEXT,
    until TEXT,
    created_at TEXT NOT NULL,
    -- The review decisions were carried over from.
    previous_id INTEGER REFERENCES reviews(id)
);

CREATE TABLE review_items (
    review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    -- `finding` (key = the finding's id) or `principal` (key = its ARN).
    subject TEXT NOT NULL CHECK (subject IN ('finding', 'principal')),
    key TEXT NOT NULL,
    principal TEXT NOT NULL,
    -- sha256 over the identity (ARN, unique id, creation time) and its policies' content.
    identity_fp TEXT NOT NULL,
    -- The finding's stable fingerprint (its id); empty for a principal.
    finding_fp TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (review_id, subject, key)
);

CREATE TABLE review_decisions (
    review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    key TEXT NOT NULL,
    identity_fp TEXT NOT NULL,
    finding_fp TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('keep', 'remove', 'rightsize', 'accept-risk')),
    note TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    -- For accept-risk: the day the acceptance ends (it is not carried over after it).
    expires_at TEXT,
    -- The review the decision was made in, when it was carried over from an earlier one.
    inherited_from INTEGER REFERENCES reviews(id),
    PRIMARY KEY (review_id, subject, key),
    FOREIGN KEY (review_id, subject, key) REFERENCES review_items(review_id, subject, key)
);
