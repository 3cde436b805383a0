import AltnetControl
import DriverProtocol
import Foundation
import JSON

/// `altnet-cli fetchheaders --wait`: runs the rescue and, while it runs, shows what bitcoind has
/// gained so far (headers and blocks, from getinfo's `bitcoind.headers` and `tip.height`): a
/// progress bar on a terminal (on stderr, redrawn in place), JSON lines on stdout otherwise.
/// The rescue's report is printed at the end as `fetchheaders` prints it.
enum FetchHeadersProgress {
    /// What bitcoind has, read from getinfo.
    struct Position: Equatable {
        var headers: Int
        var blocks: Int
    }

    /// - Parameters:
    ///   - client: the control client.
    ///   - terminal: whether stdout is a terminal (a bar) or not (JSON lines).
    /// - Returns: the exit status: 0 when the rescue ran (whatever its outcome), 1 on an error.
    static func run(client: ControlClient, terminal: Bool) -> Int32 {
        let start = position(client)
        let outcome = LockedResult()
        let done = DispatchSemaphore(value: 0)
        Thread {
            do throws(ControlError) {
                outcome.set(.success(try client.call("fetchheaders")))
            } catch {
                outcome.set(.failure(error))
            }
            done.signal()
        }.start()
        let began = Date()
        var last: Position?
        while done.wait(timeout: .now() + .milliseconds(500)) == .timedOut {
            guard let start, let now = position(client), now != last else { continue }
            last = now
            emit(start: start, now: now, elapsed: Date().timeIntervalSince(began), terminal: terminal)
        }
        if let start, let now = position(client) {
            emit(start: start, now: now, elapsed: Date().timeIntervalSince(began), terminal: terminal)
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        switch outcome.get() {
        case .success(let report)?:
            print(CLIOutput.render(report))
            return 0
        case .failure(let error)?:
            FileHandle.standardError.write(Data("\(error.message)\n".utf8))
            return 1
        case nil:
            return 1
        }
    }

    /// One progress step: `{"elapsed":1.5,"headers":12,"blocks":5,"headers_total":120,"height":105}`
    /// or a bar such as `[#########...........]  5/12 blocks, 12 headers, 1.5 s`.
    static func emit(start: Position, now: Position, elapsed: Double, terminal: Bool) {
        let headers = max(0, now.headers - start.headers)
        let blocks = max(0, now.blocks - start.blocks)
        let wanted = max(blocks, now.headers - start.blocks)
        if terminal {
            FileHandle.standardError.write(Data(("\r" + bar(done: blocks, of: wanted) + String(
                format: " %ld/%ld blocks, %ld headers, %.1f s", blocks, wanted, headers, elapsed)).utf8))
        } else {
            // Written straight to fd 1, one line per write, so a reader sees each step at once.
            let line = String(format: #"{"elapsed":%.1f,"headers":%ld,"blocks":%ld,"headers_total":%ld,"height":%ld}"#,
                              elapsed, headers, blocks, now.headers, now.blocks)
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
    }

    /// `[##########..........]` for done of total (full when total is 0).
    static func bar(done: Int, of total: Int, width: Int = 30) -> String {
        let filled = total == 0 ? width : min(width, done * width / total)
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    /// bitcoind's headers and tip height as altnetd sees them, or nil.
    static func position(_ client: ControlClient) -> Position? {
        guard case .object(let info)? = try? client.call("getinfo"),
              case .object(let bitcoind)? = info["bitcoind"],
              case .object(let tip)? = bitcoind["tip"],
              let height = tip["height"]?.intValue else { return nil }
        let headers = bitcoind["headers"]?.intValue ?? height
        return Position(headers: Int(headers), blocks: Int(height))
    }
}

/// The fetchheaders call's outcome, handed from its thread to the main one.
final class LockedResult: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Result<JSONValue, ControlError>?

    func set(_ new: Result<JSONValue, ControlError>) { lock.withLock { value = new } }
    func get() -> Result<JSONValue, ControlError>? { lock.withLock { value } }
}
