/// Thrown when a transfer cannot be resumed (the server ignored `Range`, or the file
/// changed under us): the bytes delivered so far must be discarded and the install
/// started over, never spliced with a different file.
public struct RestartRequired: Error, Sendable {
    public var reason: String
}

/// Downloads one archive from a list of mirrors, surviving real networks: transient
/// failures are retried with backoff, a cut transfer continues with `Range` from the
/// byte where it stopped (so the consumer's hash and extraction simply continue), and a
/// mirror that fails for good (404, retries exhausted) hands over to the next one.
struct ArchiveDownload {
    let urls: [String]
    let http: HTTPClient
    let policy: RetryPolicy
    let reporter: Reporter
    /// Deadline of each request (`HTTPClient.Settings.downloadTimeout(forSize:)`): the
    /// low-speed limit alone never stops a server that trickles just above it.
    let timeoutSeconds: Int
    /// The index's size: once that many bytes arrived, a connection error after them (a
    /// server whose Content-Length promised more) ends the transfer; the digest decides.
    let expectedSize: Int64?

    /// Bytes delivered to `consume` in total (across resumes); set as the transfer runs.
    final class Progress: @unchecked Sendable {
        var delivered: Int64 = 0
    }

    /// Streams the file into `consume` (false from it aborts). Throws `RestartRequired`
    /// when resuming is impossible, `TransferError` when every mirror failed.
    func run(progress: Progress, consume: (UnsafeRawBufferPointer) -> Bool,
             onProgress: @escaping (Int64, Int64) -> Bool) throws {
        var mirror = 0
        var attempt = 0
        // The validator of the first response, and on which mirror it was seen: a resume on
        // the same mirror must see the same one (If-Range makes the server check it too).
        var validator: (mirror: Int, value: String)?
        while true {
            let url = urls[mirror]
            let start = progress.delivered
            var headers: [String] = []
            if start > 0 {
                headers.append("Range: bytes=\(start)-")
                if let validator, validator.mirror == mirror { headers.append("If-Range: \(validator.value)") }
            }
            var restartReason: String?
            do {
                try http.stream(url, headers: headers, timeoutSeconds: timeoutSeconds, onResponse: { head in
                    let value = head.etag ?? head.lastModified
                    if start == 0 {
                        if let value { validator = (mirror, value) }
                        return true
                    }
                    if head.status != 206 || head.rangeStart != start {
                        restartReason = "\(terminalSafe(url)) did not resume at byte \(start) (HTTP \(head.status))"
                        return false
                    }
                    if let validator, validator.mirror == mirror, let value, value != validator.value {
                        restartReason = "\(terminalSafe(url)) changed while downloading (validator \(terminalSafe(validator.value)) → \(terminalSafe(value)))"
                        return false
                    }
                    return true
                }, onBody: { chunk in
                    progress.delivered += Int64(chunk.count)
                    return consume(chunk)
                }, onProgress: { received, total in
                    // `total` comes from the server's Content-Length: add without trapping.
                    let (sum, overflow) = start.addingReportingOverflow(total)
                    return onProgress(start &+ received, total > 0 && !overflow ? sum : 0)
                })
                return
            } catch let error as TransferError {
                if let restartReason { throw RestartRequired(reason: restartReason) }
                if case .aborted = error.kind { throw error }
                if case .connection = error.kind, let expectedSize, progress.delivered == expectedSize { return }
                if error.isTransient && attempt < policy.retries {
                    attempt += 1
                    let resume = progress.delivered > 0 ? ", resuming at byte \(progress.delivered)" : ""
                    try policy.waitBeforeRetry(attempt, after: error, reporter: reporter, detail: resume)
                    continue
                }
                if error.triesNextMirror && mirror + 1 < urls.count {
                    mirror += 1
                    attempt = 0
                    reporter.warning("\(error.goverError.message); trying the next mirror, \(terminalSafe(urls[mirror]))")
                    continue
                }
                throw error
            }
        }
    }
}
