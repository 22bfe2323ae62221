import CCurl

/// What gover needs to know about an HTTP (or `file://`) response.
public struct HTTPResponse: Sendable {
    /// The final status after redirects; 0 for `file://` URLs.
    public var status: Int
    public var etag: String?
    public var lastModified: String?
    public var effectiveURL: String
}

/// A small HTTP client over libcurl. It exposes Swift types only; every libcurl type
/// stays in this file.
///
/// Defaults are chosen for downloading toolchains: certificate verification on (libcurl's
/// default, never turned off), redirects followed but never from HTTPS down to HTTP or
/// into `file://`, a connect timeout and a low-speed limit so that a stalled transfer
/// fails instead of hanging.
public final class HTTPClient: Sendable {
    public struct Settings: Sendable {
        public var userAgent = "gover/\(goverVersion)"
        public var connectTimeoutSeconds = 30
        /// A transfer slower than `lowSpeedLimit` bytes/s for `lowSpeedSeconds` is aborted.
        public var lowSpeedLimit = 1024
        public var lowSpeedSeconds = 30
        /// The whole transfer's time limit in seconds; 0 means none (downloads), short for probes.
        public var timeoutSeconds = 0
        /// A CA bundle to use instead of the system's (`GOVER_CA_BUNDLE`, `SSL_CERT_FILE`).
        public var caBundle: String?

        public init() {}
    }

    private let settings: Settings

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    public init(settings: Settings = Settings()) {
        _ = HTTPClient.globalInit
        self.settings = settings
    }

    /// Downloads a small resource (the release index) into memory. Non-2xx statuses other
    /// than 304 throw `GoverError.httpStatus`.
    public func fetch(_ url: String, headers: [String] = []) throws -> (HTTPResponse, [UInt8]) {
        var body: [UInt8] = []
        let response = try stream(url, headers: headers, compressed: true, onBody: { chunk in
            body.append(contentsOf: chunk)
            return true
        })
        return (response, body)
    }

    /// A HEAD request, for reachability probes (`gover doctor`'s GOPROXY check).
    public func head(_ url: String) throws -> HTTPResponse {
        try stream(url, headOnly: true, onBody: { _ in true })
    }

    /// Streams a resource to `onBody` as it arrives. `onBody` returning false aborts the
    /// transfer (the caller then knows why); `onProgress` is called with (received, total)
    /// at libcurl's pace, and returning false aborts too.
    public func stream(
        _ url: String,
        headers: [String] = [],
        compressed: Bool = false,
        headOnly: Bool = false,
        onBody: (UnsafeRawBufferPointer) -> Bool,
        onProgress: ((Int64, Int64) -> Bool)? = nil
    ) throws -> HTTPResponse {
        guard let curl = curl_easy_init() else {
            throw GoverError.network(url: url, reason: "libcurl could not start a transfer")
        }
        defer { curl_easy_cleanup(curl) }

        return try withoutActuallyEscaping(onBody) { onBody in
            try withoutActuallyEscaping(onProgress ?? { _, _ in true }) { onProgress in
                let transfer = Transfer(curl: curl, onBody: onBody, onProgress: onProgress)
                return try perform(transfer, url: url, headers: headers, compressed: compressed, headOnly: headOnly)
            }
        }
    }

    private func perform(_ transfer: Transfer, url: String, headers: [String], compressed: Bool, headOnly: Bool) throws -> HTTPResponse {
        let curl = transfer.curl
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>?
        for header in headers { headerList = curl_slist_append(headerList, header) }
        defer { curl_slist_free_all(headerList) }

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
        if settings.timeoutSeconds > 0 { set(gover_curl_setopt_long(curl, CURLOPT_TIMEOUT, settings.timeoutSeconds)) }
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
            throw GoverError.network(url: url, reason: "libcurl rejected an option: \(String(cString: curl_easy_strerror(code)))")
        }

        let result = errorBuffer.withUnsafeMutableBufferPointer { buffer -> CURLcode in
            _ = gover_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, buffer.baseAddress)
            return curl_easy_perform(curl)
        }
        _ = gover_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, nil)

        var status = 0
        var effective: UnsafeMutablePointer<CChar>?
        _ = gover_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        _ = gover_curl_getinfo_string(curl, CURLINFO_EFFECTIVE_URL, &effective)
        let response = HTTPResponse(
            status: status,
            etag: transfer.etag,
            lastModified: transfer.lastModified,
            effectiveURL: effective.map { String(cString: $0) } ?? url
        )

        if transfer.rejectedStatus != 0 {
            throw GoverError.httpStatus(url: url, status: transfer.rejectedStatus)
        }
        if result != CURLE_OK {
            // The caller stopped the transfer on purpose; it knows the reason and reports it.
            if transfer.abortedByCaller { throw TransferAborted() }
            let detail = string(fromCString: errorBuffer)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
            throw GoverError.network(url: url, reason: reason)
        }
        if status >= 400 {
            throw GoverError.httpStatus(url: url, status: status)
        }
        return response
    }
}

/// Thrown by `HTTPClient.stream` when `onBody` or `onProgress` asked to stop.
public struct TransferAborted: Error {}

/// State shared with libcurl's C callbacks for one transfer.
private final class Transfer {
    let curl: UnsafeMutableRawPointer
    let onBody: (UnsafeRawBufferPointer) -> Bool
    let onProgress: (Int64, Int64) -> Bool
    var etag: String?
    var lastModified: String?
    var rejectedStatus = 0
    var abortedByCaller = false
    private var statusChecked = false

    init(curl: UnsafeMutableRawPointer, onBody: @escaping (UnsafeRawBufferPointer) -> Bool,
         onProgress: @escaping (Int64, Int64) -> Bool) {
        self.curl = curl
        self.onBody = onBody
        self.onProgress = onProgress
    }

    func receive(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if !statusChecked {
            // An error page must never reach the consumer (it would be hashed and unpacked).
            statusChecked = true
            var status = 0
            _ = gover_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
            if status >= 300 {
                rejectedStatus = status
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
            // A new response (after a redirect): forget the previous one's validators.
            etag = nil
            lastModified = nil
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingWhitespace()
        switch name {
        case "etag": etag = value
        case "last-modified": lastModified = value
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
    if transfer.onProgress(Int64(now), Int64(total)) { return 0 }
    transfer.abortedByCaller = true
    return 1
}
