import CLibArchive

/// libarchive is opened on first use (see DECISIONS.md, "opened lazily"); the installer asks
/// here before its first byte of output, so a missing library is not reported only after
/// "Downloading ...".
enum ArchiveLibrary {
    static func require() throws {
        if let reason = gover_archive_load_error() {
            throw GoverError.missingLibrary(name: "libarchive", reason: String(cString: reason), package: "libarchive13")
        }
    }
}
