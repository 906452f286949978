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
    let err = |what: &'static str, source: std::io::Error| Error::Input {
        path: path.to_path_buf(),
        what,
        source,
    };
    let file = std::fs::File::open(path).map_err(|e| err(read_what, e))?;
    let meta = file.metadata().map_err(|e| err(read_what, e))?;
    if !meta.is_file() {
        return Err(err(
            read_what,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(read_what, e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(err(
            read_what,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "larger than {} MiB, which no config or data table needs",
                    MAX_INPUT_BYTES >> 20
                ),
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        err(
            read_what,
            std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
        )
    })
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
        let _ = std::fs::remove_dir_all(&dir);
    }
}
