//! Backups of the table beyond point-in-time recovery, and of the user pool ([`users`]); see
//! `docs/operations.md`:
//! - [`export`] (`server export FILE`) streams every item to a JSON Lines file ([`line`]),
//!   scanning the table in parallel segments, with a few pages in flight at most;
//! - [`import`] (`server import FILE`) checks every line, then loads them into an empty table
//!   in batches, several at once, and counts the table at the end.
//!
//! Both hold a bounded amount in memory whatever the table's size, and report progress at most
//! once a second.

pub mod line;
pub mod users;

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use app::ports::StoreError;
use futures::TryStreamExt;

use crate::store::codec::Item;
use crate::store::table::BATCH_SIZE;
use crate::store::Table;

/// Segments of an export's parallel scan unless told otherwise.
pub const DEFAULT_SEGMENTS: u32 = 4;
/// The most segments an export may ask for (DynamoDB allows up to a million; more than this
/// only adds requests in flight).
pub const MAX_SEGMENTS: u32 = 64;
/// Batches an import has in flight at once.
const WRITERS: usize = 8;
/// Pages waiting for the writer, per segment.
const PAGES_WAITING: usize = 2;
/// How often progress is reported.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// Why an export or an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}, line {line}: {problem}", path.display())]
    BadLine {
        path: PathBuf,
        line: u64,
        problem: line::LineError,
    },
    #[error("{}, line {line}: {problem}", path.display())]
    BadProfile {
        path: PathBuf,
        line: u64,
        problem: String,
    },
    #[error("the user pool could not be read or written (see the log)")]
    Pool(#[from] crate::auth::pool::PoolError),
    #[error("an item cannot be exported: {0}")]
    Unwritable(#[from] line::UnknownKind),
    #[error("the table {0} already holds items: import into an empty table (made by `server migrate`), or give --resume to finish an interrupted import")]
    NotEmpty(String),
    #[error("the table could not be read or written (see the log)")]
    Store(#[from] StoreError),
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    pub items: u64,
    pub elapsed: Duration,
}

/// What an import read and what the table holds after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    /// Lines in the file (each one item).
    pub lines: u64,
    /// Items the table holds at the end, counted.
    pub in_table: u64,
    pub elapsed: Duration,
}

impl Imported {
    /// The table holds exactly the file's items (counted; an import only adds, so with as
    /// many items as lines, every line is there).
    pub fn complete(&self) -> bool {
        self.lines == self.in_table
    }
}

/// Items per second over `elapsed`.
pub fn rate(items: u64, elapsed: Duration) -> f64 {
    items as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// Calls `report` with the running count at most once per [`PROGRESS_EVERY`].
struct Progress<'a> {
    done: AtomicU64,
    last: std::sync::Mutex<Instant>,
    report: &'a (dyn Fn(u64) + Sync),
}

impl<'a> Progress<'a> {
    fn new(report: &'a (dyn Fn(u64) + Sync)) -> Self {
        Self {
            done: AtomicU64::new(0),
            last: std::sync::Mutex::new(Instant::now()),
            report,
        }
    }

    fn add(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.elapsed() >= PROGRESS_EVERY {
            *last = Instant::now();
            (self.report)(done);
        }
    }

    fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

fn file_error(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::File {
        path: path.to_owned(),
        source,
    }
}

/// Where an export writes until it is complete.
fn partial(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Writes every item of `table` to `path`, one line each, scanning in `segments` parallel
/// segments. The file is written as `path.partial` and renamed only once complete and on disk,
/// so a file at `path` is always whole; on failure the partial file is removed.
pub async fn export(
    table: &Table,
    path: &Path,
    segments: u32,
    report: &(dyn Fn(u64) + Sync),
) -> Result<Exported, BackupError> {
    let started = Instant::now();
    let segments = segments.clamp(1, MAX_SEGMENTS);
    let partial = partial(path);
    let written = write_segments(table, &partial, segments, report).await;
    let items = match written {
        Ok(items) => items,
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            return Err(err);
        }
    };
    std::fs::rename(&partial, path).map_err(file_error(path))?;
    Ok(Exported {
        items,
        elapsed: started.elapsed(),
    })
}

async fn write_segments(
    table: &Table,
    partial: &Path,
    segments: u32,
    report: &(dyn Fn(u64) + Sync),
) -> Result<u64, BackupError> {
    let file = File::create(partial).map_err(file_error(partial))?;
    let (pages, mut received) = tokio::sync::mpsc::channel::<(u64, String)>(
        PAGES_WAITING * usize::try_from(segments).unwrap_or(1),
    );
    let scans: Vec<_> = (0..segments)
        .map(|segment| {
            let pages = pages.clone();
            async move {
                let mut start = None;
                loop {
                    let (items, next) = table
                        .scan_segment("export", segment, segments, start)
                        .await?;
                    let mut text = String::new();
                    for item in &items {
                        text.push_str(&line::write(item)?);
                        text.push('\n');
                    }
                    if pages.send((items.len() as u64, text)).await.is_err() {
                        return Ok(()); // the writer stopped; its error is the one reported
                    }
                    match next {
                        Some(key) => start = Some(key),
                        None => return Ok::<_, BackupError>(()),
                    }
                }
            }
        })
        .collect();
    drop(pages);
    let progress = Progress::new(report);
    let writer = async {
        let mut out = BufWriter::with_capacity(1 << 20, file);
        while let Some((items, text)) = received.recv().await {
            out.write_all(text.as_bytes())
                .map_err(file_error(partial))?;
            progress.add(items);
        }
        let file = out
            .into_inner()
            .map_err(|e| file_error(partial)(e.into_error()))?;
        file.sync_all().map_err(file_error(partial))?;
        Ok::<_, BackupError>(progress.done())
    };
    let (scanned, written) = futures::join!(futures::future::try_join_all(scans), writer);
    scanned?;
    written
}

/// Reads `path`'s lines one at a time: the line number and the item, or the first bad line.
fn items(path: &Path) -> Result<impl Iterator<Item = Result<Item, BackupError>> + '_, BackupError> {
    let file = File::open(path).map_err(file_error(path))?;
    let lines = BufReader::with_capacity(1 << 20, file).lines();
    Ok(lines.enumerate().filter_map(move |(index, text)| {
        let number = index as u64 + 1;
        match text {
            Err(source) => Some(Err(file_error(path)(source))),
            Ok(text) if text.trim().is_empty() => None,
            Ok(text) => Some(line::read(&text).map_err(|problem| BackupError::BadLine {
                path: path.to_owned(),
                line: number,
                problem,
            })),
        }
    }))
}

/// Loads the items of `path` into `table`. First every line is read and checked (nothing is
/// written when one is bad); then, unless `resume`, the table must be empty; then the items are
/// written as they are, [`BATCH_SIZE`] per request and [`WRITERS`] requests at once, with
/// unprocessed items sent again. Writing an item twice leaves it as it was, so an import that
/// stopped halfway is finished by running it again with `resume`. At the end the table is
/// counted ([`Imported::complete`]).
pub async fn import(
    table: &Table,
    path: &Path,
    resume: bool,
    report: &(dyn Fn(u64) + Sync),
) -> Result<Imported, BackupError> {
    let started = Instant::now();
    let mut lines = 0_u64;
    for item in items(path)? {
        item?;
        lines += 1;
    }
    if !resume && !table.is_empty("import").await? {
        return Err(BackupError::NotEmpty(table.table_name().to_owned()));
    }
    let progress = Progress::new(report);
    let mut read = items(path)?;
    let batches = std::iter::from_fn(move || {
        let mut batch = Vec::with_capacity(BATCH_SIZE);
        for item in read.by_ref() {
            match item {
                Ok(item) => batch.push(item),
                Err(err) => return Some(Err(err)),
            }
            if batch.len() == BATCH_SIZE {
                break;
            }
        }
        (!batch.is_empty()).then_some(Ok(batch))
    });
    futures::stream::iter(batches)
        .map_ok(|batch| async {
            let n = batch.len() as u64;
            table.batch_put("import", batch).await?;
            progress.add(n);
            Ok::<_, BackupError>(())
        })
        .try_buffer_unordered(WRITERS)
        .try_collect::<()>()
        .await?;
    let in_table = table.count_items("import count", DEFAULT_SEGMENTS).await?;
    Ok(Imported {
        lines,
        in_table,
        elapsed: started.elapsed(),
    })
}
