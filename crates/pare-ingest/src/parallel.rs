//! Reading files on worker threads while delivering records on the calling thread in discovery
//! order, with memory bounded by the number of files in flight.
//!
//! A feeder hands out files in order: for each it queues a per-file bounded channel's receiver for
//! the consumer (at most `files_in_flight` queued) and the sender, as a job, for the workers. The
//! consumer drains the files' channels in order, so the output order is the sequential order.
//! Workers take jobs in order too, so the file the consumer waits on is always being read or done.

use std::ops::ControlFlow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Mutex, PoisonError};
use std::thread;

use crate::frame::{self, FileResult, Sink};
use crate::{ErrorKind, RawRecord, ReadError, ReadOptions, RecordRef, Source};

/// Batches a file may have queued before its worker waits for the consumer.
const BATCHES_PER_FILE: usize = 4;

enum Msg {
    Batch(Vec<RawRecord>),
    Done(FileResult),
}

/// Reads one file, turning a panic (a bug) into an error instead of losing the whole run.
pub(crate) fn read_file_guarded(
    source: &Source,
    options: &ReadOptions,
    sink: Sink<'_>,
) -> FileResult {
    match catch_unwind(AssertUnwindSafe(|| frame::read_file(&source.path, source.explicit, options, sink))) {
        Ok(r) => r,
        Err(_) => FileResult {
            errors: vec![ReadError {
                file: source.path.clone(),
                record: None,
                offset: None,
                kind: ErrorKind::Internal,
                message: "internal error while reading this file (a bug in pare); its remaining records were not read"
                    .to_owned(),
            }],
            ..FileResult::default()
        },
    }
}

/// Reads `sources` on worker threads; calls `sink` for every record and `done` after each file,
/// both on the calling thread, in order.
pub(crate) fn read_parallel(
    sources: &[Source],
    options: &ReadOptions,
    sink: &mut dyn FnMut(RawRecord) -> ControlFlow<()>,
    mut done: impl FnMut(usize, FileResult),
) {
    let threads = options.effective_threads().clamp(1, sources.len().max(1));
    let in_flight = if options.files_in_flight == 0 {
        2 * threads
    } else {
        options.files_in_flight
    };
    let batch_records = options.batch_records.max(1);
    let cancelled = AtomicBool::new(false);
    let (order_tx, order_rx) = mpsc::sync_channel::<(usize, Receiver<Msg>)>(in_flight);
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, SyncSender<Msg>)>(in_flight);
    let job_rx = Mutex::new(job_rx);
    thread::scope(|s| {
        s.spawn(move || {
            for i in 0..sources.len() {
                let (tx, rx) = mpsc::sync_channel(BATCHES_PER_FILE);
                if order_tx.send((i, rx)).is_err() || job_tx.send((i, tx)).is_err() {
                    return;
                }
            }
        });
        for _ in 0..threads {
            let (job_rx, cancelled) = (&job_rx, &cancelled);
            s.spawn(move || {
                loop {
                    let job = job_rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((i, tx)) = job else { return };
                    if cancelled.load(Ordering::Relaxed) {
                        return;
                    }
                    let Some(source) = sources.get(i) else { return };
                    let mut batch = Vec::with_capacity(batch_records);
                    let mut send_batch = |r: RecordRef<'_>| {
                        batch.push(r.to_owned_record());
                        if batch.len() >= batch_records
                            && tx
                                .send(Msg::Batch(std::mem::replace(
                                    &mut batch,
                                    Vec::with_capacity(batch_records),
                                )))
                                .is_err()
                        {
                            return ControlFlow::Break(());
                        }
                        ControlFlow::Continue(())
                    };
                    let result = read_file_guarded(source, options, &mut send_batch);
                    if !batch.is_empty() && tx.send(Msg::Batch(batch)).is_err() {
                        continue;
                    }
                    // The consumer may be gone (stopped); then nobody needs the result.
                    let _ = tx.send(Msg::Done(result));
                }
            });
        }
        'files: for (i, rx) in order_rx.iter() {
            loop {
                match rx.recv() {
                    Ok(Msg::Batch(records)) => {
                        for r in records {
                            if sink(r).is_break() {
                                cancelled.store(true, Ordering::Relaxed);
                                done(
                                    i,
                                    FileResult {
                                        stopped: true,
                                        ..FileResult::default()
                                    },
                                );
                                break 'files;
                            }
                        }
                    }
                    Ok(Msg::Done(result)) => {
                        done(i, result);
                        break;
                    }
                    Err(_) => {
                        let path = sources.get(i).map(|s| s.path.clone()).unwrap_or_default();
                        done(
                            i,
                            FileResult {
                                errors: vec![ReadError {
                                    file: path,
                                    record: None,
                                    offset: None,
                                    kind: ErrorKind::Internal,
                                    message: "worker ended without a result".to_owned(),
                                }],
                                ..FileResult::default()
                            },
                        );
                        break;
                    }
                }
            }
        }
        // Unblock the feeder and the workers (their sends now fail) before the scope joins them.
        drop(order_rx);
    });
}

/// Runs `start` and `record` for each file on the worker threads (a file's records all go to the
/// value `start` made for it) and calls `done` with each file's value and result on the calling
/// thread, in order. `done` returning `Break` stops reading.
pub(crate) fn map_parallel<W: Send>(
    sources: &[Source],
    options: &ReadOptions,
    start: &(dyn Fn(usize, &Source) -> W + Sync),
    record: &(dyn Fn(&mut W, RecordRef<'_>) -> ControlFlow<()> + Sync),
    finish: &(dyn Fn(&mut W) + Sync),
    mut done: impl FnMut(usize, Option<W>, FileResult) -> ControlFlow<()>,
) {
    let threads = options.effective_threads().clamp(1, sources.len().max(1));
    if threads <= 1 {
        for (i, source) in sources.iter().enumerate() {
            let mut w = start(i, source);
            let result = read_file_guarded(source, options, &mut |r| record(&mut w, r));
            finish(&mut w);
            let stop = result.stopped;
            if done(i, Some(w), result).is_break() || stop {
                return;
            }
        }
        return;
    }
    let in_flight = if options.files_in_flight == 0 {
        2 * threads
    } else {
        options.files_in_flight
    };
    let cancelled = AtomicBool::new(false);
    let (order_tx, order_rx) = mpsc::sync_channel::<(usize, Receiver<(W, FileResult)>)>(in_flight);
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, SyncSender<(W, FileResult)>)>(in_flight);
    let job_rx = Mutex::new(job_rx);
    thread::scope(|s| {
        s.spawn(move || {
            for i in 0..sources.len() {
                let (tx, rx) = mpsc::sync_channel(1);
                if order_tx.send((i, rx)).is_err() || job_tx.send((i, tx)).is_err() {
                    return;
                }
            }
        });
        for _ in 0..threads {
            let (job_rx, cancelled) = (&job_rx, &cancelled);
            s.spawn(move || {
                loop {
                    let job = job_rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((i, tx)) = job else { return };
                    if cancelled.load(Ordering::Relaxed) {
                        return;
                    }
                    let Some(source) = sources.get(i) else { return };
                    let mut w = start(i, source);
                    let result = read_file_guarded(source, options, &mut |r| {
                        if cancelled.load(Ordering::Relaxed) {
                            return ControlFlow::Break(());
                        }
                        record(&mut w, r)
                    });
                    finish(&mut w);
                    // The consumer may be gone (stopped); then nobody needs the result.
                    let _ = tx.send((w, result));
                }
            });
        }
        for (i, rx) in order_rx.iter() {
            let flow = match rx.recv() {
                Ok((w, result)) => {
                    let stop = result.stopped;
                    let flow = done(i, Some(w), result);
                    if stop { ControlFlow::Break(()) } else { flow }
                }
                Err(_) => {
                    let path = sources.get(i).map(|s| s.path.clone()).unwrap_or_default();
                    done(
                        i,
                        None,
                        FileResult {
                            errors: vec![ReadError {
                                file: path,
                                record: None,
                                offset: None,
                                kind: ErrorKind::Internal,
                                message: "worker ended without a result".to_owned(),
                            }],
                            ..FileResult::default()
                        },
                    )
                }
            };
            if flow.is_break() {
                cancelled.store(true, Ordering::Relaxed);
                break;
            }
        }
        // Unblock the feeder and the workers (their sends now fail) before the scope joins them.
        drop(order_rx);
    });
}
