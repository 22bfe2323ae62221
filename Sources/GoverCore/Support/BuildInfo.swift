/// gover's own version.
public let goverVersion = "0.1.0"

/// The commit this binary was built from. `scripts/build-release` stamps it for the duration
/// of a release build and then restores this file (contents and mtime), so the work tree
/// stays clean and the debug build is not invalidated; any other build says `unknown`.
public let goverCommit = "unknown"

/// What `gover --version` prints: `gover 0.1.0 (abc1234)`.
public let goverVersionLine = "gover \(goverVersion) (\(goverCommit))"
