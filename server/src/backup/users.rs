//! The user pool's people to and from JSON Lines (`server users export FILE`, `server users
//! import FILE`; see `docs/operations.md`): one [`Profile`] per line. Passwords cannot leave a
//! pool: people moved to a new one get in again by resetting theirs, and their Ewelists account
//! follows them through their verified email.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use futures::{StreamExt, TryStreamExt};

use super::{file_error, partial, BackupError};
use crate::auth::pool::{Imported, Profile, UserPool};

/// Profiles created at once by an import.
const AT_ONCE: usize = 4;

/// What a users import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsersImported {
    pub created: u64,
    pub already_there: u64,
    /// People who sign in with another provider, who come back by signing in with it.
    pub external: u64,
}

/// Writes every person of `pool` to `path` (as `path.partial` until complete); how many.
pub async fn export(pool: &UserPool, path: &Path) -> Result<u64, BackupError> {
    let partial = partial(path);
    let written = async {
        let file = std::fs::File::create(&partial).map_err(file_error(&partial))?;
        let mut out = BufWriter::new(file);
        let mut count = 0_u64;
        let mut page = None;
        loop {
            let (profiles, next) = pool.profiles(page).await?;
            for profile in &profiles {
                let line = serde_json::to_string(profile).map_err(|e| BackupError::File {
                    path: partial.clone(),
                    source: e.into(),
                })?;
                writeln!(out, "{line}").map_err(file_error(&partial))?;
                count += 1;
            }
            match next {
                Some(token) => page = Some(token),
                None => break,
            }
        }
        let file = out
            .into_inner()
            .map_err(|e| file_error(&partial)(e.into_error()))?;
        file.sync_all().map_err(file_error(&partial))?;
        Ok::<_, BackupError>(count)
    }
    .await;
    match written {
        Ok(count) => {
            std::fs::rename(&partial, path).map_err(file_error(path))?;
            Ok(count)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            Err(err)
        }
    }
}

/// The profile on one line, checked: a valid email, and group names that are not blank.
fn read(line: &str) -> Result<Profile, String> {
    let profile: Profile = serde_json::from_str(line).map_err(|e| e.to_string())?;
    domain::Email::parse(&profile.email).map_err(|e| format!("email: {e}"))?;
    if profile.username.trim().is_empty() {
        return Err("username: empty".to_owned());
    }
    if profile.groups.iter().any(|g| g.trim().is_empty()) {
        return Err("groups: a blank group name".to_owned());
    }
    Ok(profile)
}

/// Creates the people of `path` in `pool`. Every line is checked first (nothing is created
/// when one is bad); the groups are made; then each person is created, [`AT_ONCE`] at a time.
/// Someone already in the pool is left as they are, so running it again is safe.
pub async fn import(pool: &UserPool, path: &Path) -> Result<UsersImported, BackupError> {
    let file = std::fs::File::open(path).map_err(file_error(path))?;
    let mut profiles = Vec::new();
    for (index, text) in BufReader::new(file).lines().enumerate() {
        let text = text.map_err(file_error(path))?;
        if text.trim().is_empty() {
            continue;
        }
        profiles.push(read(&text).map_err(|problem| BackupError::BadProfile {
            path: path.to_owned(),
            line: index as u64 + 1,
            problem,
        })?);
    }
    let groups: BTreeSet<&str> = profiles
        .iter()
        .flat_map(|p| p.groups.iter().map(String::as_str))
        .collect();
    for group in groups {
        pool.ensure_group(group).await?;
    }
    futures::stream::iter(&profiles)
        .map(|profile| pool.import(profile))
        .buffer_unordered(AT_ONCE)
        .map_err(BackupError::from)
        .try_fold(UsersImported::default(), |mut done, imported| async move {
            match imported {
                Imported::Created => done.created += 1,
                Imported::AlreadyThere => done.already_there += 1,
                Imported::External => done.external += 1,
            }
            Ok(done)
        })
        .await
}
