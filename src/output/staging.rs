//! Output folders that appear whole or not at all, and that replace only what
//! fastlakare itself wrote.
//!
//! Rules (docs/ARCHITECTURE.md repeats them):
//! - Every folder fastlakare creates for output holds a marker file, [`MARKER_FILE`].
//!   `--force` replaces a folder only if it has the marker (or, for folders written
//!   before the marker existed, a fastlakare `manifest.json` beside `summary.csv`, or
//!   `shard.json` beside `bands.sketch`); anything else, a regular file, a symbolic
//!   link or a user's project folder, is refused. `sensitivity` and `solve` add files
//!   only to such a folder, or to one they create.
//! - Work in progress goes into a hidden folder `.NAME.partial-PID/` ([`WorkDir`]): a
//!   run's whole result beside its target ([`Staging`]), `sensitivity`'s, `solve`'s and
//!   `report`'s files inside the results folder. Its marker names this machine, and
//!   the process holds a lock on it until it is done.
//! - A run's commit swaps the staging folder and the old target in one atomic rename
//!   (Linux's `RENAME_EXCHANGE`), so the target holds the whole old or the whole new
//!   result at every moment; the old one, now under the staging name, is removed after.
//!   Where the swap is not available, the old folder is first renamed to
//!   `.NAME.old-PID/`, its marker locked, and a later run restores it if the process
//!   died between the two renames.
//! - Before it makes its own, a command removes the work folders of the same kind whose
//!   marker names this machine and whose lock nobody holds: their process is gone
//!   (killed, or a second Ctrl-C). The lock, not the PID, says so, because a PID can be
//!   reused; a folder of another machine (a shared file system) or without a marker is
//!   left alone.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The marker in every output folder fastlakare creates.
pub const MARKER_FILE: &str = ".fastlakare";

/// The longest output folder name: its work folder adds `.` and `.partial-PID` (up to
/// 17 bytes) and file systems refuse names over 255 bytes.
const MAX_LEAF_BYTES: usize = 200;

pub(super) fn io_err(path: &Path, what: &'static str) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    move |e| Error::Io {
        path,
        what,
        source: e,
    }
}

/// This machine's name, as the marker records it.
fn host() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// Writes a new marker into `dir` (replacing a file or link of that name, never writing
/// through it) and returns it open and, where the file system has locks, locked: the
/// lock is taken before the content is written, so no sweep can take the folder for
/// an abandoned one in between.
fn write_marker(dir: &Path) -> Result<(File, bool), Error> {
    let path = dir.join(MARKER_FILE);
    if fs::symlink_metadata(&path).is_ok() {
        fs::remove_file(&path).map_err(io_err(&path, "replace the output marker"))?;
    }
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io_err(&path, "write the output marker"))?;
    let locked = f.try_lock().is_ok();
    write!(
        f,
        "This folder was written by fastlakare {}; `--force` may replace it.\nhost: {}\n",
        env!("CARGO_PKG_VERSION"),
        host()
    )
    .map_err(io_err(&path, "write the output marker"))?;
    Ok((f, locked))
}

/// The marker of `dir`, open for reading and writing (a lock on some network file
/// systems needs both), if it is a regular file: not a link, a FIFO or a device.
fn open_marker(dir: &Path) -> Option<File> {
    let path = dir.join(MARKER_FILE);
    fs::symlink_metadata(&path)
        .ok()
        .filter(fs::Metadata::is_file)?;
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags((OFlags::NONBLOCK | OFlags::NOFOLLOW).bits() as i32);
    }
    let f = options.open(path).ok()?;
    f.metadata().ok().filter(fs::Metadata::is_file)?;
    Some(f)
}

/// Whether `path` is a real folder (not a link) that fastlakare wrote.
pub fn is_ours(path: &Path) -> bool {
    if !fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return false;
    }
    if open_marker(path).is_some() {
        return true;
    }
    // Folders written before the marker: a manifest or a shard description of ours,
    // beside a file only fastlakare writes there.
    let json = |name: &str, keys: &[&str], beside: &str| {
        path.join(beside).is_file()
            && crate::input::read_bytes(&path.join(name), 64 << 20, "read")
                .ok()
                .and_then(|t| serde_json::from_slice::<serde_json::Value>(&t).ok())
                .is_some_and(|v| keys.iter().all(|k| v.get(k).is_some()))
    };
    json(
        "manifest.json",
        &["version", "config", "rows", "seed"],
        "summary.csv",
    ) || json(
        "shard.json",
        &["format", "fingerprint", "range", "units"],
        "bands.sketch",
    )
}

/// Refuses a path that cannot name an output folder: none (`.`, `/`), or one too long
/// for its work folder beside it.
fn check_leaf(out_dir: &Path) -> Result<(), Error> {
    let Some(leaf) = out_dir.file_name() else {
        return Err(Error::Usage(format!(
            "{} cannot be an output folder: name a folder, e.g. results/NAME",
            out_dir.display()
        )));
    };
    if leaf.len() > MAX_LEAF_BYTES {
        return Err(Error::Usage(format!(
            "{}: an output folder's name may have at most {MAX_LEAF_BYTES} bytes",
            out_dir.display()
        )));
    }
    Ok(())
}

/// What may stand at an output path: nothing, or with `force` a folder of ours.
pub fn check_target(out_dir: &Path, force: bool) -> Result<(), Error> {
    check_leaf(out_dir)?;
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
    check_leaf(dir)?;
    match fs::metadata(dir) {
        Err(_) => {
            fs::create_dir_all(dir).map_err(io_err(dir, "create the results folder"))?;
            write_marker(dir)?;
            Ok(())
        }
        // Followed if it is a link (results kept on another disk): what it points to
        // must be ours.
        Ok(m) if m.is_dir() && (open_marker(dir).is_some() || is_ours(dir)) => Ok(()),
        Ok(_) => Err(Error::NotOurs {
            path: dir.to_path_buf(),
        }),
    }
}

/// Makes the charts folder, which must not be a link: a results folder from elsewhere
/// could point it anywhere, and charts are written into it.
pub fn prepare_charts_dir(out_dir: &Path) -> Result<(), Error> {
    if std::fs::symlink_metadata(out_dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::Chart {
            path: out_dir.to_path_buf(),
            problem: "is a symbolic link; charts are written only into a real folder".into(),
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|e| Error::Io {
        path: out_dir.to_path_buf(),
        what: "create the charts folder",
        source: e,
    })
}

fn work_prefix(name: &str) -> String {
    format!(".{name}.partial-")
}

fn old_prefix(name: &str) -> String {
    format!(".{name}.old-")
}

/// A hidden work folder `.NAME.partial-PID-RANDOM` in a parent folder, with a marker
/// this process locks; removed when dropped unless [`WorkDir::keep`] was called.
#[derive(Debug)]
pub struct WorkDir {
    dir: PathBuf,
    /// The marker inside `dir`, locked while this process owns the folder.
    lock: Option<File>,
    keep: bool,
}

impl WorkDir {
    /// Removes abandoned work folders of the same `name` in `parent` (see the module
    /// doc), then makes this process's.
    pub fn create(parent: &Path, name: &str) -> Result<WorkDir, Error> {
        fs::create_dir_all(parent).map_err(io_err(parent, "create the results folder"))?;
        sweep(parent, name, None);
        WorkDir::make(parent, name)
    }

    /// This process's work folder of `name` in `parent`, which exists.
    fn make(parent: &Path, name: &str) -> Result<WorkDir, Error> {
        // The PID for a reader, and a random part: in containers every process may be
        // PID 1, and a dead one's folder must not stand in a live one's way.
        let random = std::hash::BuildHasher::hash_one(
            &std::collections::hash_map::RandomState::new(),
            std::time::SystemTime::now(),
        ) as u32;
        let dir = parent.join(format!(
            "{}{}-{random:08x}",
            work_prefix(name),
            std::process::id()
        ));
        fs::create_dir(&dir).map_err(io_err(&dir, "create the work folder"))?;
        let mut work = WorkDir {
            dir,
            lock: None,
            keep: false,
        };
        let (marker, locked) = write_marker(&work.dir)?;
        // Where the file system has no locks, the folder is still ours; a later
        // command then leaves it alone (see `abandoned`).
        if locked {
            work.lock = Some(marker);
        }
        Ok(work)
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Not removed on drop: it was renamed into place or swapped away.
    fn keep(&mut self) {
        self.keep = true;
        self.lock = None;
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// A run's work folder beside its target, collecting the run's files. Created before
/// the simulation (trajectories are written into it region by region), moved into
/// place by [`Staging::commit`], and removed if dropped uncommitted, so an error never
/// leaves a half-written result under the real name.
#[derive(Debug)]
pub struct Staging {
    work: WorkDir,
    target: PathBuf,
    parent: PathBuf,
    leaf: String,
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
        sweep(&parent, &leaf, Some(target));
        // A dead run's restored folder may stand there now.
        check_target(target, force)?;
        Ok(Staging {
            work: WorkDir::make(&parent, &leaf)?,
            target: target.to_path_buf(),
            parent,
            leaf,
        })
    }

    pub fn path(&self) -> &Path {
        self.work.path()
    }

    /// Moves the staged folder to the target, replacing an old one only with `force`
    /// (and only one of ours). The target is whole at every step (see the module doc).
    pub fn commit(self, force: bool) -> Result<(), Error> {
        self.commit_with(force, true)
    }

    /// [`Staging::commit`], with the atomic swap or (`swap` false, as where the file
    /// system has none) the two renames.
    fn commit_with(mut self, force: bool, swap: bool) -> Result<(), Error> {
        check_target(&self.target, force)?;
        let dir = self.work.dir.clone();
        if fs::symlink_metadata(&self.target).is_err() {
            fs::rename(&dir, &self.target)
                .map_err(io_err(&self.target, "move the results into place"))?;
            self.work.keep();
            return Ok(());
        }
        // The old result gets a marker of this machine's, locked while this process
        // moves it: if the process dies before the old result is removed, from the
        // work folder's name or from beside the target, a later run takes it for
        // abandoned (and restores it, if the target is empty).
        let (old_lock, _) = write_marker(&self.target)?;
        if swap && exchange(&dir, &self.target).is_ok() {
            // The old result now sits under the work folder's name, which drop removes.
            self.work.lock = None;
            drop(self.work);
            drop(old_lock);
            return Ok(());
        }
        let old = self
            .parent
            .join(format!("{}{}", old_prefix(&self.leaf), std::process::id()));
        fs::rename(&self.target, &old)
            .map_err(io_err(&self.target, "move the old output folder aside"))?;
        if let Err(e) = fs::rename(&dir, &self.target) {
            let _ = fs::rename(&old, &self.target);
            return Err(Error::Io {
                path: self.target.clone(),
                what: "move the results into place",
                source: e,
            });
        }
        self.work.keep();
        fs::remove_dir_all(&old).map_err(io_err(&old, "remove the replaced output folder"))?;
        drop(old_lock);
        Ok(())
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

/// Whether the process that made the work folder `dir` is gone: its marker names this
/// machine and nobody holds the lock on it. Without a marker, or of another machine,
/// a folder is never taken for abandoned.
fn abandoned(dir: &Path) -> bool {
    let Some(mut marker) = open_marker(dir) else {
        return false;
    };
    let mut text = String::new();
    let this_host = Read::by_ref(&mut marker)
        .take(4096)
        .read_to_string(&mut text)
        .is_ok()
        && text
            .lines()
            .any(|l| l.strip_prefix("host: ") == Some(host().as_str()));
    this_host && marker.try_lock().is_ok()
}

/// Removes the abandoned work folders `.NAME.partial-PID` in `parent`, and, given the
/// target, restores an old result that a dead run had moved aside (`.NAME.old-PID`)
/// without putting a new one in its place. Only names of exactly these forms are
/// touched; any failure leaves the folder where it is.
fn sweep(parent: &Path, name: &str, target: Option<&Path>) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let (partial, old) = (work_prefix(name), old_prefix(name));
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        // PID, and for work folders a random part: `1234` or `1234-00c0ffee`.
        let has_pid = |prefix: &str| {
            file_name.strip_prefix(prefix).is_some_and(|p| {
                let (pid, random) = p.split_once('-').unwrap_or((p, "0"));
                !pid.is_empty()
                    && pid.bytes().all(|b| b.is_ascii_digit())
                    && !random.is_empty()
                    && random.bytes().all(|b| b.is_ascii_hexdigit())
            })
        };
        let (is_work, is_old) = (has_pid(&partial), target.is_some() && has_pid(&old));
        let path = entry.path();
        if !(is_work || is_old)
            || !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir())
            || !abandoned(&path)
        {
            continue;
        }
        if is_work {
            let _ = fs::remove_dir_all(&path);
        } else if let Some(target) = target {
            if fs::symlink_metadata(target).is_err() {
                let _ = fs::rename(&path, target);
            } else {
                let _ = fs::remove_dir_all(&path);
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
        // One of another machine, and one without a marker: left alone.
        let elsewhere = dir.join(".out.partial-999999998");
        fs::create_dir(&elsewhere).unwrap();
        fs::write(elsewhere.join(MARKER_FILE), "host: some-other-machine\n").unwrap();
        let unmarked = dir.join(".out.partial-999999997");
        fs::create_dir(&unmarked).unwrap();
        fs::write(dead.join("runs.parquet"), "x").unwrap();
        // A live one: its marker locked (here by this test, as its process would).
        let live = dir.join(".out.partial-1");
        fs::create_dir(&live).unwrap();
        let (held, locked) = write_marker(&live).unwrap();
        assert!(locked);
        // Someone else's folder that merely looks alike is left alone.
        let other = dir.join(".out.partial-x1");
        fs::create_dir(&other).unwrap();
        let s = Staging::create(&target, false).unwrap();
        assert!(!dead.exists(), "the dead run's staging is gone");
        assert!(live.exists() && other.exists() && elsewhere.exists() && unmarked.exists());
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

    /// The commit without the atomic swap (NFS, other systems): the old result goes,
    /// the new one is in place, nothing is left beside it.
    #[test]
    fn the_two_rename_commit_replaces_and_leaves_nothing() {
        let dir = scratch("two-renames");
        let target = dir.join("out");
        for (k, swap) in [(0, true), (1, false), (2, false), (3, true)] {
            let s = Staging::create(&target, true).unwrap();
            fs::write(s.path().join(format!("{k}.txt")), "x").unwrap();
            s.commit_with(true, swap).unwrap();
            assert!(target.join(format!("{k}.txt")).is_file());
            assert!(!target.join(format!("{}.txt", k.max(1) - 1)).exists() || k == 0);
            let names: Vec<_> = fs::read_dir(&dir)
                .unwrap()
                .flatten()
                .map(|e| e.file_name())
                .collect();
            assert_eq!(
                names,
                vec![std::ffi::OsString::from("out")],
                "after commit {k}"
            );
        }
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
