import Foundation

/// A file whose first line is a password (`rpcpasswordfile`, the RPC proxy's
/// `--rpcpasswordfile`): how altnet keeps secrets out of argv, as bitcoind's `-rpccookiefile`.
public enum PasswordFile {
    /// Largest file read.
    public static let maxBytes = 1 << 20

    /// The file's first line, a trailing `\r` dropped.
    /// - Returns: nil when the file cannot be read, is larger than ``maxBytes`` or its first line is empty.
    public static func read(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxBytes + 1), data.count <= maxBytes else { return nil }
        let first = String(decoding: data, as: UTF8.self)
            .split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map {
                String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            } ?? ""
        return first.isEmpty ? nil : first
    }
}
