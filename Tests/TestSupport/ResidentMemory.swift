import Foundation

/// A process's resident memory, as Linux reports it in /proc/<pid>/status (`VmRSS`, or another
/// field such as `VmHWM`, the peak).
public enum ResidentMemory {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - pid: the process; nil for this one.
    ///   - field: the status field, `VmRSS:` by default.
    /// - Returns: the value in KiB.
    /// - Throws: ``Unavailable`` where there is no /proc or no such field.
    public static func kib(pid: Int32? = nil, field: String = "VmRSS:") throws -> Int {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
              let kib = Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "")
        else { throw Unavailable(description: "no \(field) in \(path)") }
        return kib
    }
}
