/// Runs a program directly (`posix_spawn`, never through a shell) and collects what it
/// prints on stdout and stderr, killing it if it outlives `timeout`.
///
/// The child runs in a process group of its own, and the deadline kills the whole group:
/// a wrapper script's children (`sleep 1000 &`) that keep the output pipe open die with it,
/// and nothing waits for the pipe's end past the deadline.
///
/// For short probes such as `go version`; no Foundation `Process` (GoverCore stays on
/// FoundationEssentials).
public struct Subprocess {
    public struct Result: Sendable, Equatable {
        /// The exit status, or nil when the program could not start, timed out or died by a signal.
        public var status: Int32?
        /// stdout and stderr together, as the program wrote them (at most `outputLimit` bytes).
        public var output: String
        public var timedOut: Bool
        /// Why it did not start (`strerror`), when it did not.
        public var spawnError: String?
    }

    /// Runs `executable` (a path; no PATH search) with `arguments` (argv[1...]) in `environment`.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                           timeout: Double = 5, outputLimit: Int = 64 * 1024) -> Result {
        run(executable, arguments, environment: environment, deadline: monotonicSeconds() + timeout, outputLimit: outputLimit)
    }

    /// As above, until an absolute `deadline` (`monotonicSeconds()`): several runs can share
    /// one time budget.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                           deadline: Double, outputLimit: Int = 64 * 1024) -> Result {
        if monotonicSeconds() >= deadline {
            return Result(status: nil, output: "", timedOut: true, spawnError: nil)
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            return Result(status: nil, output: "", timedOut: false, spawnError: errorString(errno))
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        posix_spawn_file_actions_addclose(&actions, writeEnd)

        // The child starts with no blocked signals and default handlers, whatever gover did
        // with its own (InterruptMonitor blocks SIGINT/SIGTERM).
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // Its own process group (pgid = its pid), so the deadline can kill all it started.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var pid = pid_t()
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        let spawned = withCStringArray(argv) { argvPointer in
            withCStringArray(envp) { envPointer in
                posix_spawn(&pid, executable, &actions, &attributes, argvPointer, envPointer)
            }
        }
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            return Result(status: nil, output: "", timedOut: false, spawnError: errorString(spawned))
        }

        var output: [UInt8] = []
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        readLoop: while true {
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 {
                timedOut = true
                break
            }
            var poller = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, 1) * 1000) + 1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            let n = read(readEnd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                break readLoop
            }
            if n == 0 { break }
            if output.count < outputLimit { output.append(contentsOf: buffer[0..<min(n, outputLimit - output.count)]) }
        }
        close(readEnd)
        // The output may end (a wrapper closing stdout) long before the process does: wait
        // only until the deadline, then kill its group and reap it.
        var waitStatus: Int32 = 0
        while true {
            // Before the reap: once reaped, the group id could name someone else's processes.
            if timedOut { kill(-pid, SIGKILL) }
            let reaped = waitpid(pid, &waitStatus, timedOut ? 0 : WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { break }
            if reaped == 0 {
                if monotonicSeconds() >= deadline { timedOut = true } else { usleep(5_000) }
            }
        }
        // WIFEXITED / WEXITSTATUS, spelled out: the macros do not import into Swift.
        let exited = (waitStatus & 0x7f) == 0
        let status: Int32? = !timedOut && exited ? (waitStatus >> 8) & 0xff : nil
        return Result(status: status, output: String(decoding: output, as: UTF8.self), timedOut: timedOut, spawnError: nil)
    }
}

/// A NULL-terminated `char *[]` of copies of `strings`, valid while `body` runs.
func withCStringArray<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}

/// Replaces the gover process with `arguments[0]` (looked up on the new PATH, as a shell
/// would) after putting `directory` first on PATH and removing `unset` from the
/// environment. Returns only by throwing, when the program cannot be started.
public func replaceProcess(with arguments: [String], prependingToPath directory: String, unset: [String]) throws -> Never {
    let path = currentEnvironment()["PATH"].map { $0.isEmpty ? directory : directory + ":" + $0 } ?? directory
    setenv("PATH", path, 1)
    for name in unset { unsetenv(name) }
    // The program starts with no blocked signals, whatever gover did with its own.
    var none = sigset_t()
    sigemptyset(&none)
    pthread_sigmask(SIG_SETMASK, &none, nil)
    let code = withCStringArray(arguments) { argv -> Int32 in
        execvp(arguments[0], argv)
        return errno
    }
    throw GoverError.execFailed(command: arguments[0], errno: code)
}
