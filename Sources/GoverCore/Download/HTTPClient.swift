import CCurl

/// What a response said before its body: the status and the validators that decide
/// whether a resumed transfer continues the same file.
public struct HTTPResponseHead: Sendable {
    /// The final status after redirects; 0 for `file://` URLs.
    public var status: Int
    public var etag: String?
    public var lastModified: String?
    /// The first byte of a 206 response's `Content-Range`.
    public var rangeStart: Int64?
    /// `Retry-After` in seconds, when the server sent one.
    public var retryAfter: Double?
}

/// A failed transfer, with what the retry logic needs to know about it.
public struct TransferError: Error, Sendable {
    public enum Kind: Sendable, Equatable {
        /// libcurl failed (connect, timeout, reset, TLS, ...), with its error code.
        case connection(code: Int32, reason: String)
        /// The server answered with an error status.
        case status(Int, retryAfter: Double?)
        /// The caller's `onBody`/`onResponse`/`onProgress` asked to stop.
        case aborted
        /// The body passed the caller's cap on what it reads into memory.
        case tooLarge(limit: Int)
    }

    public var url: String
    public var kind: Kind

    /// Worth trying again: connection trouble, timeouts, 5xx, 408 and 429.
    public var isTransient: Bool {
        switch kind {
        case .connection(let code, _):
            return TransferError.transientCodes.contains(code)
        case .status(let status, _):
            return status >= 500 || status == 408 || status == 429
        case .aborted, .tooLarge:
            return false
        }
    }

    /// Worth trying on another mirror: anything transient, and 404 (not on this one).
    public var triesNextMirror: Bool {
        if case .status(404, _) = kind { return true }
        if case .connection(let code, _) = kind, code == Int32(CURLE_COULDNT_RESOLVE_HOST.rawValue) { return true }
        return isTransient
    }

    /// "Not here": 404 or 410 from a server, or a missing file behind a `file://` URL (the
    /// answers after which a GOPROXY list separated by `,` moves on to the next proxy).
    public var isNotFound: Bool {
        switch kind {
        case .status(let status, _): return status == 404 || status == 410
        case .connection(let code, _): return code == Int32(CURLE_FILE_COULDNT_READ_FILE.rawValue)
        case .aborted, .tooLarge: return false
        }
    }

    public var retryAfter: Double? {
        if case .status(_, let seconds) = kind { return seconds }
        return nil
    }

    private static let transientCodes: Set<Int32> = Set([
        CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_PARTIAL_FILE, CURLE_RECV_ERROR,
        CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_SSL_CONNECT_ERROR,
    ].map { Int32($0.rawValue) })

    /// The user-facing form.
    public var goverError: GoverError {
        switch kind {
        case .connection(_, let reason): return .network(url: url, reason: reason)
        case .status(let status, _): return .httpStatus(url: url, status: status)
        case .aborted: return .network(url: url, reason: "the transfer was stopped")
        case .tooLarge(let limit):
            return .network(url: url, reason: "the response is larger than \(formatBytes(Int64(limit))), more than any index or digest file; stopped reading (check that the URL serves Go releases)")
        }
    }
}

/// A small HTTP client over libcurl. It exposes Swift types only; every libcurl type
/// stays in this file.
///
/// Defaults are chosen for downloading toolchains: certificate verification on (libcurl's
/// default, never turned off), redirects followed but never from HTTPS down to HTTP or
/// into `file://`, a connect timeout and a low-speed limit so that a stalled transfer
/// fails (and can be retried) instead of hanging. Proxies come from the environment as in
/// curl (`https_proxy`, `HTTPS_PROXY`, `http_proxy`, `all_proxy`, `no_proxy`).
public final class HTTPClient: Sendable {
    public struct Settings: Sendable {
        public var userAgent = "gover/\(goverVersion)"
        /// `GOVER_CONNECT_TIMEOUT`.
        public var connectTimeoutSeconds = EnvironmentNumber.connectTimeout.defaultValue
        /// A transfer slower than `lowSpeedLimit` bytes/s for `lowSpeedSeconds` is aborted
        /// (`GOVER_LOW_SPEED_LIMIT`, `GOVER_LOW_SPEED_TIME`).
        public var lowSpeedLimit = EnvironmentNumber.lowSpeedLimit.defaultValue
        public var lowSpeedSeconds = EnvironmentNumber.lowSpeedTime.defaultValue
        /// The whole transfer's time limit in seconds when a call gives none; 0 means none.
        /// A server trickling just above the low-speed limit is stopped only by a deadline.
        public var timeoutSeconds = 0
        /// Deadline of each index request (`GOVER_INDEX_TIMEOUT`).
        public var indexTimeoutSeconds = EnvironmentNumber.indexTimeout.defaultValue
        /// Deadline of each archive request (`GOVER_DOWNLOAD_TIMEOUT`); 0: from the size.
        public var downloadTimeoutSeconds = EnvironmentNumber.downloadTimeout.defaultValue
        /// A CA bundle to use instead of the system's (`GOVER_CA_BUNDLE`, `SSL_CERT_FILE`).
        public var caBundle: String?

        public init() {}

        /// Reads the variables above; a value outside its range is refused (`EnvironmentNumber`).
        public init(environment: [String: String]) throws(GoverError) {
            self.init()
            caBundle = environment["GOVER_CA_BUNDLE"] ?? environment["SSL_CERT_FILE"]
            connectTimeoutSeconds = try EnvironmentNumber.connectTimeout.integer(in: environment)
            lowSpeedLimit = try EnvironmentNumber.lowSpeedLimit.integer(in: environment)
            lowSpeedSeconds = try EnvironmentNumber.lowSpeedTime.integer(in: environment)
            indexTimeoutSeconds = try EnvironmentNumber.indexTimeout.integer(in: environment)
            downloadTimeoutSeconds = try EnvironmentNumber.downloadTimeout.integer(in: environment)
        }

        /// The deadline of one archive request: `GOVER_DOWNLOAD_TIMEOUT`, else 10 minutes plus
        /// the time the file takes at 32 KiB/s — generous for any real link, yet finite
        /// against a server that trickles just above the stall limit forever.
        public func downloadTimeout(forSize size: Int64?) -> Int {
            if downloadTimeoutSeconds > 0 { return downloadTimeoutSeconds }
            // The index's sizes are capped (`ReleaseFile.maxSize`), so this cannot overflow.
            let bytes = min(max(size ?? 0, 0), ReleaseFile.maxSize)
            return 600 + Int(bytes / (32 << 10))
        }
    }

    /// What a cross-check of `<file>.sha256` may cost at most: it is only ever a warning.
    public static let companionTimeoutSeconds = 5
    /// Caps on bodies read into memory.
    public static let indexSizeLimit = 64 << 20
    public static let companionSizeLimit = 4 << 10

    public let settings: Settings

    /// Loads libcurl (on Linux it is opened on first use, not at start-up) and initialises it once.
    private static let loadError: String? = {
        if let error = gover_curl_load_error() { return String(cString: error) }
        gover_curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return nil
    }()

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Throws the missing-library error now (before "Downloading ..." is printed) when
    /// libcurl cannot be loaded.
    public static func requireLibrary() throws {
        if let reason = HTTPClient.loadError {
            throw GoverError.missingLibrary(name: "libcurl", reason: reason, package: "libcurl4")
        }
    }

    /// Downloads a small resource (the release index, a `.sha256`) into memory, at most
    /// `limit` bytes (decompressed) and `timeoutSeconds` in all: the transfer is aborted
    /// as soon as either is passed, whatever the server sends. Error statuses throw; 304
    /// is returned for the caller's conditional request.
    public func fetch(_ url: String, headers: [String] = [], limit: Int, timeoutSeconds: Int) throws -> (HTTPResponseHead, [UInt8]) {
        var body: [UInt8] = []
        var overLimit = false
        let head: HTTPResponseHead
        do {
            head = try stream(url, headers: headers, compressed: true, timeoutSeconds: timeoutSeconds, onBody: { chunk in
                guard chunk.count <= limit - body.count else {
                    overLimit = true
                    return false
                }
                body.append(contentsOf: chunk)
                return true
            })
        } catch let error as TransferError where overLimit {
            throw TransferError(url: error.url, kind: .tooLarge(limit: limit))
        }
        return (head, body)
    }

    /// A HEAD request, for reachability probes (`gover doctor`'s GOPROXY check).
    @discardableResult
    public func head(_ url: String) throws -> HTTPResponseHead {
        try stream(url, headOnly: true, onBody: { _ in true })
    }

    /// Streams a resource to `onBody` as it arrives. `onResponse` sees the response head
    /// before the first body byte (returning false aborts, e.g. when a resumed transfer
    /// turns out to be a different file); `onBody` returning false aborts; `onProgress`
    /// is called with (received, total) at libcurl's pace, and returning false aborts too.
    @discardableResult
    public func stream(
        _ url: String,
        headers: [String] = [],
        compressed: Bool = false,
        headOnly: Bool = false,
        timeoutSeconds: Int? = nil,
        onResponse: ((HTTPResponseHead) -> Bool)? = nil,
        onBody: (UnsafeRawBufferPointer) -> Bool,
        onProgress: ((Int64, Int64) -> Bool)? = nil
    ) throws -> HTTPResponseHead {
        try HTTPClient.requireLibrary()
        guard let curl = gover_curl_easy_init() else {
            throw TransferError(url: url, kind: .connection(code: -1, reason: "libcurl could not start a transfer"))
        }
        defer { gover_curl_easy_cleanup(curl) }

        return try withoutActuallyEscaping(onBody) { onBody in
            try withoutActuallyEscaping(onProgress ?? { _, _ in true }) { onProgress in
                try withoutActuallyEscaping(onResponse ?? { _ in true }) { onResponse in
                    let transfer = Transfer(curl: curl, onResponse: onResponse, onBody: onBody, onProgress: onProgress)
                    return try perform(transfer, url: url, headers: headers, compressed: compressed, headOnly: headOnly,
                                       timeoutSeconds: timeoutSeconds ?? settings.timeoutSeconds)
                }
            }
        }
    }

    private func perform(_ transfer: Transfer, url: String, headers: [String], compressed: Bool,
                         headOnly: Bool, timeoutSeconds: Int) throws -> HTTPResponseHead {
        let curl = transfer.curl
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>?
        for header in headers { headerList = gover_curl_slist_append(headerList, header) }
        defer { gover_curl_slist_free_all(headerList) }

        let context = Unmanaged.passUnretained(transfer).toOpaque()
        let isHTTPS = url.lowercased().hasPrefix("https://")
        var code = CURLE_OK
        func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }

        set(gover_curl_setopt_string(curl, CURLOPT_URL, url))
        set(gover_curl_setopt_string(curl, CURLOPT_USERAGENT, settings.userAgent))
        set(gover_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1))
        set(gover_curl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 1))
        set(gover_curl_setopt_long(curl, CURLOPT_MAXREDIRS, 10))
        set(gover_curl_setopt_string(curl, CURLOPT_PROTOCOLS_STR, "http,https,file"))
        // A redirect may never lead into the local filesystem, nor down from HTTPS to HTTP.
        set(gover_curl_setopt_string(curl, CURLOPT_REDIR_PROTOCOLS_STR, isHTTPS ? "https" : "http,https"))
        set(gover_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT, settings.connectTimeoutSeconds))
        set(gover_curl_setopt_long(curl, CURLOPT_LOW_SPEED_LIMIT, settings.lowSpeedLimit))
        set(gover_curl_setopt_long(curl, CURLOPT_LOW_SPEED_TIME, settings.lowSpeedSeconds))
        set(gover_curl_setopt_long(curl, CURLOPT_BUFFERSIZE, 256 * 1024))
        if timeoutSeconds > 0 { set(gover_curl_setopt_long(curl, CURLOPT_TIMEOUT, timeoutSeconds)) }
        if headOnly { set(gover_curl_setopt_long(curl, CURLOPT_NOBODY, 1)) }
        if compressed { set(gover_curl_setopt_string(curl, CURLOPT_ACCEPT_ENCODING, "")) }
        if let caBundle = settings.caBundle { set(gover_curl_setopt_string(curl, CURLOPT_CAINFO, caBundle)) }
        if headerList != nil { set(gover_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList)) }
        set(gover_curl_setopt_write_callback(curl, CURLOPT_WRITEFUNCTION, transferWrite))
        set(gover_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, context))
        set(gover_curl_setopt_write_callback(curl, CURLOPT_HEADERFUNCTION, transferHeader))
        set(gover_curl_setopt_pointer(curl, CURLOPT_HEADERDATA, context))
        set(gover_curl_setopt_long(curl, CURLOPT_NOPROGRESS, 0))
        set(gover_curl_setopt_xferinfo_callback(curl, transferProgress))
        set(gover_curl_setopt_pointer(curl, CURLOPT_XFERINFODATA, context))
        if code != CURLE_OK {
            let reason = "libcurl rejected an option: \(String(cString: gover_curl_easy_strerror(code)))"
            throw TransferError(url: url, kind: .connection(code: Int32(code.rawValue), reason: reason))
        }

        let result = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            _ = gover_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            return gover_curl_easy_perform(curl)
        }
        _ = gover_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, nil)

        let head = transfer.head()
        if let status = transfer.rejectedStatus {
            throw TransferError(url: url, kind: .status(status, retryAfter: head.retryAfter))
        }
        if result != CURLE_OK {
            if transfer.abortedByCaller { throw TransferError(url: url, kind: .aborted) }
            let detail = string(fromCString: errorBuffer)
            let reason = detail.isEmpty ? String(cString: gover_curl_easy_strerror(result)) : detail
            throw TransferError(url: url, kind: .connection(code: Int32(result.rawValue), reason: reason))
        }
        if head.status >= 400 {
            throw TransferError(url: url, kind: .status(head.status, retryAfter: head.retryAfter))
        }
        return head
    }
}

/// State shared with libcurl's C callbacks for one transfer.
private final class Transfer {
    let curl: UnsafeMutableRawPointer
    let onResponse: (HTTPResponseHead) -> Bool
    let onBody: (UnsafeRawBufferPointer) -> Bool
    let onProgress: (Int64, Int64) -> Bool
    private var etag: String?
    private var lastModified: String?
    private var rangeStart: Int64?
    private var retryAfter: Double?
    var rejectedStatus: Int?
    var abortedByCaller = false
    private var headChecked = false

    init(curl: UnsafeMutableRawPointer, onResponse: @escaping (HTTPResponseHead) -> Bool,
         onBody: @escaping (UnsafeRawBufferPointer) -> Bool, onProgress: @escaping (Int64, Int64) -> Bool) {
        self.curl = curl
        self.onResponse = onResponse
        self.onBody = onBody
        self.onProgress = onProgress
    }

    func head() -> HTTPResponseHead {
        var status = 0
        _ = gover_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponseHead(status: status, etag: etag, lastModified: lastModified,
                                rangeStart: rangeStart, retryAfter: retryAfter)
    }

    func receive(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if !headChecked {
            headChecked = true
            let head = head()
            // An error page must never reach the consumer (it would be hashed and unpacked).
            if head.status >= 300 {
                rejectedStatus = head.status
                return false
            }
            if !onResponse(head) {
                abortedByCaller = true
                return false
            }
        }
        if !onBody(chunk) {
            abortedByCaller = true
            return false
        }
        return true
    }

    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            // A new response (after a redirect): forget the previous one's headers.
            etag = nil
            lastModified = nil
            rangeStart = nil
            retryAfter = nil
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingWhitespace()
        switch name {
        // Validators are sent back (`If-None-Match`, `If-Range`) and stored in the index
        // cache's header lines: only printable ASCII, of a sane length, is kept.
        case "etag": etag = HeaderValues.validator(value)
        case "last-modified": lastModified = HeaderValues.validator(value)
        case "retry-after": retryAfter = HeaderValues.retryAfterSeconds(value, now: wallClockSeconds())
        case "content-range": rangeStart = HeaderValues.contentRangeStart(value)
        default: break
        }
    }
}

private func transferWrite(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    return transfer.receive(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

private func transferHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    if let data {
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        transfer.header(String(decoding: bytes, as: UTF8.self))
    }
    return length
}

private func transferProgress(_ context: UnsafeMutableRawPointer?, _ total: curl_off_t, _ now: curl_off_t,
                              _: curl_off_t, _: curl_off_t) -> Int32 {
    let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
    // Ctrl-C stops any transfer, including the index fetch that no pipe watches.
    if InterruptMonitor.shared.pendingSignal == nil && transfer.onProgress(Int64(now), Int64(total)) { return 0 }
    transfer.abortedByCaller = true
    return 1
}
