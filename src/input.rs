//! Reading a user's input files (configs, regional data) whole, with a size limit.
//!
//! A config or a data table is a few kilobytes; a path to a device (`/dev/zero`), a
//! FIFO or a file of gigabytes is a mistake, and reading it without a limit would
//! fill memory or never end.

use std::io::Read;
use std::path::Path;

use crate::error::Error;

/// The largest config or data file read, in bytes.
pub const MAX_INPUT_BYTES: u64 = 16 << 20;

/// The text of `path`; `read_what` says what failed in errors ("read the config").
pub fn read_text(path: &Path, read_what: &'static str) -> Result<String, Error> {
    let bytes = read_bytes(path, MAX_INPUT_BYTES, read_what)?;
    String::from_utf8(bytes).map_err(|_| Error::Input {
        path: path.to_path_buf(),
        what: read_what,
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })
}

/// The bytes of the regular file `path`, at most `limit` of them. Whether it is a
/// regular file is asked before it is opened: opening a FIFO would wait for a writer.
pub fn read_bytes(path: &Path, limit: u64, read_what: &'static str) -> Result<Vec<u8>, Error> {
    let err = |source: std::io::Error| Error::Input {
        path: path.to_path_buf(),
        what: read_what,
        source,
    };
    let refused = |why: String| err(std::io::Error::new(std::io::ErrorKind::InvalidInput, why));
    let meta = std::fs::metadata(path).map_err(err)?;
    if !meta.is_file() {
        return Err(refused("not a regular file".into()));
    }
    if meta.len() > limit {
        return Err(refused(too_large(limit)));
    }
    let file = std::fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(err)?;
    if bytes.len() as u64 > limit {
        return Err(refused(too_large(limit)));
    }
    Ok(bytes)
}

fn too_large(limit: u64) -> String {
    format!(
        "larger than {} MiB, more than fastlakare reads there",
        limit >> 20
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_huge_files_are_refused() {
        let e = read_text(Path::new("/dev/zero"), "read the config").unwrap_err();
        assert!(matches!(e, Error::Input { .. }), "{e}");
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let e = read_text(Path::new("/no/such/file.toml"), "read the config").unwrap_err();
        assert!(e.to_string().contains("cannot read the config"), "{e}");
        let dir = std::env::temp_dir().join(format!("fastlakare-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.csv");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_INPUT_BYTES + 1).unwrap();
        let e = read_text(&big, "read the regional data").unwrap_err();
        assert!(e.to_string().contains("larger than 16 MiB"), "{e}");
        // A FIFO is refused before it is opened (opening it would wait for a writer).
        let fifo = dir.join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let e = read_text(&fifo, "read the config").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
