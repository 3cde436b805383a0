import ArgumentParser
import BitcoindRPC
import Foundation
import RPCProxyCore

/// The proxy's secrets come from files, never from argv (issue 15): `--rpcpasswordfile` (first
/// line), `--rpcauthfile` (one `USER:SALT$HASH` per line), as bitcoind's `-rpccookiefile` keeps
/// its secret out of `ps`.
enum ProxySecretFile {
    /// Largest secrets file read (a few hundred rpcauth lines).
    static let maxBytes = PasswordFile.maxBytes

    static func read(_ path: String, option: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ValidationError("\(option) \(path): cannot be read")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maxBytes + 1)) ?? Data()
        guard data.count <= maxBytes else { throw ValidationError("\(option) \(path): larger than \(maxBytes) bytes") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The file's first line (``PasswordFile``); it must not be empty.
    static func firstLine(_ path: String, option: String) throws -> String {
        guard let first = PasswordFile.read(path) else {
            throw ValidationError("\(option) \(path): cannot be read, larger than \(PasswordFile.maxBytes) bytes, or its first line is empty")
        }
        return first
    }

    /// The file's `USER:SALT$HASH` lines, each checked; blank lines and `#` comments skipped.
    static func rpcauthLines(_ path: String) throws -> [String] {
        let text = try read(path, option: "--rpcauthfile")
        var lines: [String] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            do { _ = try RPCAuthEntry(line: line) } catch {
                throw ValidationError("--rpcauthfile \(path) line \(number + 1): \(error)")
            }
            lines.append(line)
        }
        guard !lines.isEmpty else { throw ValidationError("--rpcauthfile \(path): no USER:SALT$HASH line") }
        return lines
    }
}
