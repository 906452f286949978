//! Output folders that appear whole or not at all, and that replace only what
//! fastlakare itself wrote.
//!
//! Rules (docs/ARCHITECTURE.md repeats them):
//! - Every folder fastlakare creates for output holds a marker file, [`MARKER_FILE`].
//!   `--force` replaces a folder only if it has the marker (or, for folders written
//!   before the marker existed, a fastlakare `manifest.json` or `shard.json`); anything
//!   else, a regular file, a symbolic link or a user's project folder, is refused.
//!   `sensitivity` and `solve` add files only to such a folder, or to one they create.
//! - A run writes into `.NAME.partial-PID/` beside the target and holds a lock on the
//!   marker inside until it commits. The commit swaps the staging folder and the old
//!   target in one atomic rename (Linux's `RENAME_EXCHANGE`), so the target holds the
//!   whole old or the whole new result at every moment; the old one, now under the
//!   staging name, is removed after. Where the swap is not available, the old folder
//!   is first renamed to `.NAME.old-PID/` and restored by the next run if the process
//!   died between the two renames.
//! - A later run into the same parent removes staging folders whose marker nobody
//!   holds a lock on: their process is gone (killed, or a second Ctrl-C). The lock, not
//!   the PID, says so, because a PID can be reused and a folder on a shared file system
//!   may belong to a process on another machine.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The marker in every output folder fastlakare creates.
pub const MARKER_FILE: &str = ".fastlakare";

pub(super) fn io_err(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |e| Error::Io {
        path,
        what,
        source: e,
    }
}

/// Writes the marker into `dir` and returns it open, for a lock.
fn write_marker(dir: &Path) -> Result<File, Error> {
    let path = dir.join(MARKER_FILE);
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .map_err(io_err(&path, "write the output marker"))?;
    writeln!(
        f,
        "This folder was written by fastlakare {}. `--force` may replace it; delete this file to protect it.",
        env!("CARGO_PKG_VERSION")
    )
    .map_err(io_err(&path, "write the output marker"))?;
    Ok(f)
}

/// Whether `path` is a real folder (not a link) that fastlakare wrote.
pub fn is_ours(path: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_dir() {
        return false;
    }
    if path.join(MARKER_FILE).is_file() {
        return true;
    }
    // Folders written before the marker: a manifest or a shard description of ours.
    let json = |name: &str, keys: &[&str]| {
        let Ok(meta) = fs::metadata(path.join(name)) else {
            return false;
        };
        if meta.len() > 64 << 20 {
            return false;
        }
        fs::read_to_string(path.join(name))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| keys.iter().all(|k| v.get(k).is_some()))
    };
    json("manifest.json", &["version", "config", "rows", "seed"])
        || json("shard.json", &["format", "fingerprint", "range", "units"])
}

/// What may stand at an output path: nothing, or with `force` a folder of ours.
pub fn check_target(out_dir: &Path, force: bool) -> Result<(), Error> {
    if out_dir.file_name().is_none() {
        return Err(Error::Usage(format!(
            "{} cannot be an output folder: name a folder, e.g. results/NAME",
            out_dir.display()
        )));
    }
    if fs::symlink_metadata(out_dir).is_err() {
        return Ok(());
    }
    if !force {
        return Err(Error::OutputExists {
            path: out_dir.to_path_buf(),
        });
    }
    if !is_ours(out_dir) {
        return Err(Error::NotOurs {
            path: out_dir.to_path_buf(),
        });
    }
    Ok(())
}

/// The folder `sensitivity` and `solve` add their files to: created (with the marker)
/// if missing, else it must be one of ours.
pub fn ensure_output_dir(dir: &Path) -> Result<(), Error> {
    match fs::metadata(dir) {
        Err(_) => {
            fs::create_dir_all(dir).map_err(io_err(dir, "create the results folder"))?;
            write_marker(dir)?;
            Ok(())
        }
        // Followed if it is a link (results kept on another disk): what it points to
        // must be ours.
        Ok(m) if m.is_dir() && (dir.join(MARKER_FILE).is_file() || is_ours(dir)) => Ok(()),
        Ok(_) => Err(Error::NotOurs {
            path: dir.to_path_buf(),
        }),
    }
}

/// A hidden folder beside the target that collects a run's files. Created before the
/// simulation (trajectories are written into it region by region), moved into place by
/// [`Staging::commit`], and removed if dropped uncommitted, so an error never leaves a
/// half-written result under the real name.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    parent: PathBuf,
    leaf: String,
    /// The marker inside `dir`, locked while this process owns the folder.
    lock: Option<File>,
    committed: bool,
}

fn staging_prefix(leaf: &str) -> String {
    format!(".{leaf}.partial-")
}

fn old_prefix(leaf: &str) -> String {
    format!(".{leaf}.old-")
}

impl Staging {
    /// Refuses what may not be replaced (see [`check_target`]), removes the staging
    /// folders of dead runs into the same target, then makes this run's.
    pub fn create(target: &Path, force: bool) -> Result<Staging, Error> {
        check_target(target, force)?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_err(&parent, "create the results folder"))?;
        let leaf = target
            .file_name()
            .expect("check_target refuses a path without a name")
            .to_string_lossy()
            .into_owned();
        sweep(&parent, &leaf, target);
        // A dead run's restored folder may stand there now.
        check_target(target, force)?;
        let dir = parent.join(format!("{}{}", staging_prefix(&leaf), std::process::id()));
        if fs::symlink_metadata(&dir).is_ok() {
            fs::remove_dir_all(&dir).map_err(io_err(&dir, "remove an old staging folder"))?;
        }
        fs::create_dir(&dir).map_err(io_err(&dir, "create the staging folder"))?;
        let mut staging = Staging {
            dir,
            target: target.to_path_buf(),
            parent,
            leaf,
            lock: None,
            committed: false,
        };
        let marker = write_marker(&staging.dir)?;
        // Where the file system has no locks, the folder is still ours; a later run
        // then leaves it alone (see `sweep`).
        if marker.try_lock().is_ok() {
            staging.lock = Some(marker);
        }
        Ok(staging)
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Moves the staged folder to the target, replacing an old one only with `force`
    /// (and only one of ours). The target is whole at every step (see the module doc).
    pub fn commit(mut self, force: bool) -> Result<(), Error> {
        check_target(&self.target, force)?;
        let had_old = fs::symlink_metadata(&self.target).is_ok();
        if !had_old {
            fs::rename(&self.dir, &self.target)
                .map_err(io_err(&self.target, "move the results into place"))?;
            self.committed = true;
            return Ok(());
        }
        if exchange(&self.dir, &self.target).is_ok() {
            // The old result now sits under the staging name, with its own marker.
            self.committed = true;
            self.lock = None;
            fs::remove_dir_all(&self.dir)
                .map_err(io_err(&self.dir, "remove the replaced output folder"))?;
            return Ok(());
        }
        let old = self
            .parent
            .join(format!("{}{}", old_prefix(&self.leaf), std::process::id()));
        fs::rename(&self.target, &old)
            .map_err(io_err(&self.target, "move the old output folder aside"))?;
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            let _ = fs::rename(&old, &self.target);
            return Err(Error::Io {
                path: self.target.clone(),
                what: "move the results into place",
                source: e,
            });
        }
        self.committed = true;
        fs::remove_dir_all(&old).map_err(io_err(&old, "remove the replaced output folder"))?;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Swaps two paths atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Whether the process that made the staging folder `dir` is gone: nobody holds the
/// lock on its marker. A folder without a marker (killed between creating it and
/// writing the marker) counts as gone only if its PID is not running on this machine.
fn abandoned(dir: &Path, pid: u32) -> bool {
    match File::open(dir.join(MARKER_FILE)) {
        Ok(f) => f.try_lock().is_ok(),
        Err(_) => {
            let proc = Path::new("/proc");
            pid != std::process::id()
                && proc.join("self").exists()
                && !proc.join(pid.to_string()).exists()
        }
    }
}

/// Removes the abandoned staging folders of runs into `parent/leaf`, and restores an
/// old result that a dead run had moved aside without putting a new one in its place.
/// Only names of the exact forms `.LEAF.partial-PID` and `.LEAF.old-PID` are touched;
/// any failure leaves the folder where it is.
fn sweep(parent: &Path, leaf: &str, target: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let (partial, old) = (staging_prefix(leaf), old_prefix(leaf));
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let pid_of = |prefix: &str| {
            name.strip_prefix(prefix)
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u32>().ok())
        };
        let path = entry.path();
        if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        if let Some(pid) = pid_of(&partial) {
            if pid != std::process::id() && abandoned(&path, pid) {
                let _ = fs::remove_dir_all(&path);
            }
        } else if let Some(pid) = pid_of(&old) {
            // The replaced result of a run that used the two-rename commit.
            let proc = Path::new("/proc");
            let dead = pid != std::process::id()
                && proc.join("self").exists()
                && !proc.join(pid.to_string()).exists();
            if dead {
                if fs::symlink_metadata(target).is_err() {
                    let _ = fs::rename(&path, target);
                } else {
                    let _ = fs::remove_dir_all(&path);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fastlakare-staging-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    #[test]
    fn force_replaces_only_our_folders() {
        let dir = scratch("force");
        let target = dir.join("out");
        let s = Staging::create(&target, false).unwrap();
        fs::write(s.path().join("a.txt"), "one").unwrap();
        s.commit(false).unwrap();
        assert!(target.join(MARKER_FILE).is_file());
        assert!(matches!(
            Staging::create(&target, false),
            Err(Error::OutputExists { .. })
        ));
        let s = Staging::create(&target, true).unwrap();
        fs::write(s.path().join("b.txt"), "two").unwrap();
        s.commit(true).unwrap();
        assert!(target.join("b.txt").is_file() && !target.join("a.txt").exists());

        // A user's folder, a file, a link: never.
        let user = dir.join("project");
        fs::create_dir(&user).unwrap();
        fs::write(user.join("notes.txt"), "mine").unwrap();
        let file = dir.join("file");
        fs::write(&file, "mine").unwrap();
        let link = dir.join("link");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, &link).unwrap();
        #[cfg(not(unix))]
        fs::write(&link, "not a link here").unwrap();
        for p in [&user, &file, &link] {
            let e = Staging::create(p, true).unwrap_err();
            assert!(matches!(e, Error::NotOurs { .. }), "{p:?}: {e}");
        }
        assert_eq!(fs::read_to_string(user.join("notes.txt")).unwrap(), "mine");
        assert_eq!(fs::read_to_string(&file).unwrap(), "mine");
        assert!(Staging::create(Path::new("."), true).is_err());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn abandoned_staging_is_removed_and_a_live_one_kept() {
        let dir = scratch("sweep");
        let target = dir.join("out");
        // A dead run's staging: a marker nobody locks.
        let dead = dir.join(".out.partial-999999999");
        fs::create_dir(&dead).unwrap();
        write_marker(&dead).unwrap();
        fs::write(dead.join("runs.parquet"), "x").unwrap();
        // A live one: its marker locked (here by this test, as its process would).
        let live = dir.join(".out.partial-1");
        fs::create_dir(&live).unwrap();
        let held = write_marker(&live).unwrap();
        held.try_lock().unwrap();
        // Someone else's folder that merely looks alike is left alone.
        let other = dir.join(".out.partial-x1");
        fs::create_dir(&other).unwrap();
        let s = Staging::create(&target, false).unwrap();
        assert!(!dead.exists(), "the dead run's staging is gone");
        assert!(live.exists() && other.exists());
        drop(s);
        drop(held);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_result_moved_aside_by_a_dead_run_is_restored() {
        let dir = scratch("restore");
        let target = dir.join("out");
        let aside = dir.join(".out.old-999999999");
        fs::create_dir(&aside).unwrap();
        write_marker(&aside).unwrap();
        fs::write(aside.join("summary.csv"), "old").unwrap();
        let s = Staging::create(&target, true).unwrap();
        assert_eq!(
            fs::read_to_string(target.join("summary.csv")).unwrap(),
            "old",
            "the old result is back under its name before anything else happens"
        );
        s.commit(true).unwrap();
        assert!(!target.join("summary.csv").exists() && !aside.exists());
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn commit_swaps_in_one_step() {
        let dir = scratch("swap");
        let (a, b) = (dir.join("a"), dir.join("b"));
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(a.join("f"), "a").unwrap();
        exchange(&a, &b).unwrap();
        assert_eq!(fs::read_to_string(b.join("f")).unwrap(), "a");
        assert!(!a.join("f").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
