//! Stored views: documents the engine computes once per database state (the desktop dashboard's overview of the
//! event log) and keeps under a name, with the state key they were computed from, so readers take one row instead
//! of passing over every event. The store does not know the documents' shapes.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store};

impl Store {
    /// The view stored under `name` when it was computed for `state_key` (see [`Store::review_state_key`]).
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn stored_view(&self, name: &str, state_key: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT doc FROM stored_views WHERE name = ?1 AND state_key = ?2",
                params![name, state_key],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }

    /// Stores `doc` as the view `name` of the state `state_key`, replacing what was stored under that name.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn save_stored_view(
        &self,
        name: &str,
        state_key: &str,
        computed_at: &str,
        doc: &str,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO stored_views (name, state_key, computed_at, doc) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (name) DO UPDATE SET state_key = excluded.state_key, \
                 computed_at = excluded.computed_at, doc = excluded.doc",
                params![name, state_key, computed_at, doc],
            )
            .map(|_| ())
            .map_err(self.err())
    }

    /// The names of the stored views, in order.
    ///
    /// # Errors
    ///
    /// [`crate::StoreError`] if SQLite fails.
    pub fn stored_view_names(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM stored_views ORDER BY name")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err())
    }
}
