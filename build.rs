//! Records the git commit the binary is built from, for manifest.json; and which of
//! the model's fast paths the building processor has, so the tests of a fast path
//! that this machine cannot run are reported as ignored instead of passing unrun
//! (`fastlakare_avx512`, `fastlakare_lookups`). Tests are assumed to run on the machine
//! that built them: built where there is AVX-512 and run where there is none, a kernel
//! test fails loudly (its token's `expect`), never passes unrun.
use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fastlakare_avx512)");
    println!("cargo::rustc-check-cfg=cfg(fastlakare_lookups)");
    #[cfg(target_arch = "x86_64")]
    {
        let has = |f: &[bool]| f.iter().all(|&x| x);
        use std::arch::is_x86_feature_detected as d;
        let avx512 = has(&[d!("avx512f"), d!("avx512dq"), d!("avx512bw"), d!("popcnt")]);
        if avx512 {
            println!("cargo::rustc-cfg=fastlakare_avx512");
        }
        if avx512 && has(&[d!("avx512vbmi"), d!("gfni"), d!("avx512bitalg")]) {
            println!("cargo::rustc-cfg=fastlakare_lookups");
        }
    }

    let commit = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!("cargo:rustc-env=FASTLAKARE_GIT_COMMIT={commit}");
    for p in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if std::path::Path::new(p).exists() {
            println!("cargo:rerun-if-changed={p}");
        }
    }
}
