import ArgumentParser
import GoverCore

/// Runs the command and turns every failure into one `error:` line and a documented exit
/// status (argument-parser's own would be 64 for usage errors; gover documents 2).
@main
enum Entry {
    static func main() {
        // Without /proc (bare chroots, some containers) Swift cannot read argv on Linux and
        // argument-parser would silently print the top-level help and exit 0.
        if CommandLine.arguments.isEmpty {
            writeAll("error: cannot read the command line (is /proc mounted?)\n", to: 2)
            exit(GoverError.ExitStatus.usage.rawValue)
        }
        FastPath.run(CommandLine.arguments.dropFirst())
        do {
            var command = try Gover.parseAsRoot()
            try command.run()
        } catch let error as GoverError {
            fail(error)
        } catch let error as TransferError {
            fail(error.goverError)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch {
            let code = Gover.exitCode(for: error)
            if code == .success {
                writeAll(Gover.fullMessage(for: error) + "\n", to: 1)
                exit(0)
            }
            writeAll(Gover.fullMessage(for: error) + "\n", to: 2)
            exit(GoverError.ExitStatus.usage.rawValue)
        }
    }

    static func fail(_ error: GoverError) -> Never {
        // After Ctrl-C, whatever failed next failed because of it.
        let reported = InterruptMonitor.shared.interruption ?? error
        writeAll("error: \(reported.message)\n", to: 2)
        exit(reported.exitCode)
    }
}
