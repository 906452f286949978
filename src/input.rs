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
    let file = open_regular(path)
        .map_err(err)?
        .ok_or_else(|| refused("not a regular file".into()))?;
    if file.metadata().map_err(err)?.len() > limit {
        return Err(refused(too_large(limit)));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(err)?;
    if bytes.len() as u64 > limit {
        return Err(refused(too_large(limit)));
    }
    Ok(bytes)
}

/// `path` opened for reading if it is a regular file, `None` if it is anything else
/// (a FIFO, a device, a folder). Opened without blocking, then asked what it is: a
/// FIFO swapped in after a look would otherwise hold the open until a writer came.
pub fn open_regular(path: &Path) -> std::io::Result<Option<std::fs::File>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    #[cfg(not(target_os = "linux"))]
    if !std::fs::metadata(path)?.is_file() {
        return Ok(None);
    }
    let file = options.open(path)?;
    Ok(file.metadata()?.is_file().then_some(file))
}

/// FNV-1a's starting state.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, from the state `h`: any one changed byte changes the result.
pub(crate) fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// FNV-1a of a regular file's bytes, read in blocks (a part of a shard can be large).
pub fn checksum_file(path: &Path) -> std::io::Result<u64> {
    let file = open_regular(path)?.ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file")
    })?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut h = FNV_OFFSET;
    loop {
        let buf = std::io::BufRead::fill_buf(&mut reader)?;
        if buf.is_empty() {
            return Ok(h);
        }
        h = fnv1a(h, buf);
        let n = buf.len();
        std::io::BufRead::consume(&mut reader, n);
    }
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
