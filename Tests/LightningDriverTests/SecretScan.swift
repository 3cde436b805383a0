import DriverProtocol
import Foundation

/// Looks for a secret in what a process exposes: its command line, its environment and every
/// regular file it holds open (/proc/PID/{cmdline,environ,fd}).
enum SecretScan {
    /// - Parameters:
    ///   - pid: the process.
    ///   - secret: the raw secret bytes; its lower- and upper-case hex are searched too.
    /// - Returns: where the secret was found (empty when nowhere), and how many places were read.
    static func scan(pid: Int32, secret: [UInt8]) throws -> (found: [String], places: Int) {
        let needles: [[UInt8]] = [secret, Array(Hex.encode(secret).utf8), Array(Hex.encode(secret).uppercased().utf8)]
        var found: [String] = []
        var places = 0
        func check(_ bytes: [UInt8], _ place: String) {
            places += 1
            if needles.contains(where: { contains(bytes, $0) }) { found.append(place) }
        }
        let proc = "/proc/\(pid)"
        check([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(proc)/cmdline"))), "cmdline")
        check([UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(proc)/environ"))), "environ")
        for fd in try FileManager.default.contentsOfDirectory(atPath: "\(proc)/fd") {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(proc)/fd/\(fd)"),
                  target.hasPrefix("/"),
                  let attributes = try? FileManager.default.attributesOfItem(atPath: target),
                  attributes[.type] as? FileAttributeType == .typeRegular,
                  let data = FileManager.default.contents(atPath: target) else { continue }
            check([UInt8](data), "fd \(fd) -> \(target)")
        }
        return (found, places)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
