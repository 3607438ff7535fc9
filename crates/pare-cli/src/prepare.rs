//! After `pare import`: the engine computes and stores what the desktop app reads at launch (the account review
//! and the dashboard's overview) for the database's new state, so the first launch after an import is as fast as
//! a later one. Nothing is printed on standard output (the import's report is unchanged); a failure is a warning,
//! since the import itself is kept.

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;

/// Prepares `db` for its readers unless `skip` (`--no-review`); says what it did on a terminal.
pub(crate) fn after_import(db: &Path, skip: bool) {
    if skip {
        return;
    }
    let mut stderr = std::io::stderr();
    match pare_engine::prepared::prepare(db) {
        Ok(done) if stderr.is_terminal() && (done.review_computed || done.overview_computed) => {
            let _ = writeln!(
                stderr,
                "stored the account review and overview for the desktop app in {:.2}s",
                done.elapsed.as_secs_f64()
            );
        }
        Ok(_) => {}
        Err(e) => {
            let _ = writeln!(
                stderr,
                "warning: the account review could not be stored (the app computes it when opened): {e}"
            );
        }
    }
}
