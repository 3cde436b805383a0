import Foundation

/// Runs a program to completion off the cooperative pool: the tests' one way to run a command
/// and look at what it printed (`altnet-cli`, `altnet-harness check-driver`, a Python script).
/// stdout and stderr are read at once, so neither pipe can fill and stall the child.
/// - Parameters:
///   - executable: the program's path (`/usr/bin/env` to search PATH).
///   - arguments: its arguments.
///   - stdin: text written to its standard input, which is then closed (nil: closed at once).
///   - directory: its working directory (nil: this process's).
/// - Returns: the exit status, stdout and stderr.
/// - Throws: what starting the process throws.
public func runToEnd(
    _ executable: String, _ arguments: [String], stdin: String? = nil, directory: URL? = nil
) async throws -> (status: Int32, out: String, err: String) {
    try await offPool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
            try? input.fileHandleForWriting.close()
        }
        nonisolated(unsafe) var errData = Data()
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
