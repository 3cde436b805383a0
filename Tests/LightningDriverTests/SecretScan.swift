import BitcoinPrimitives
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

#if canImport(Glibc)
import Glibc

extension SecretScan {
    /// Searches a process's readable memory (/proc/PID/maps and /proc/PID/mem) for the secret,
    /// raw and as hex. Needs ptrace access to the process: the test's own children qualify.
    /// - Returns: the regions where it was found and the bytes scanned.
    static func scanMemory(pid: Int32, secret: [UInt8]) throws -> (found: [String], bytes: Int) {
        let needles: [[UInt8]] = [secret, Array(Hex.encode(secret).utf8), Array(Hex.encode(secret).uppercased().utf8)]
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        let fd = open("/proc/\(pid)/mem", O_RDONLY)
        guard fd >= 0 else { throw ScanError(description: "cannot open /proc/\(pid)/mem: errno \(errno)") }
        defer { close(fd) }
        var found: [String] = []
        var scanned = 0
        let chunkSize = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunkSize + 128)
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[1].hasPrefix("r") else { continue }
            let name = fields.count >= 6 ? String(fields[5]) : ""
            if name == "[vvar]" || name == "[vsyscall]" || name == "[vvar_vclock]" { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let end = UInt64(bounds[1], radix: 16) else { continue }
            var offset = start
            var carry = 0
            while offset < end {
                let want = Int(min(UInt64(chunkSize), end - offset))
                let n = buffer.withUnsafeMutableBytes { raw in
                    pread(fd, raw.baseAddress! + carry, want, off_t(Int64(bitPattern: offset)))
                }
                guard n > 0 else { break }
                let length = carry + n
                let hit = buffer.withUnsafeBytes { raw in
                    needles.contains { needle in
                        occurs(needle, in: UnsafeRawBufferPointer(rebasing: raw[0..<length]))
                    }
                }
                if hit { found.append("\(fields[0]) \(name)"); break }
                scanned += n
                // Keep the tail so a needle across two chunks is still seen.
                carry = min(127, length)
                buffer.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + (length - carry), byteCount: carry)
                }
                offset += UInt64(n)
            }
        }
        return (found, scanned)
    }

    /// Whether `needle` occurs in `haystack` (memchr for its first byte, then memcmp).
    private static func occurs(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Bool {
        guard let base = haystack.baseAddress, let first = needle.first, haystack.count >= needle.count else { return false }
        var position = 0
        let last = haystack.count - needle.count
        while position <= last {
            guard let hit = memchr(base + position, Int32(first), last - position + 1) else { return false }
            let index = base.distance(to: UnsafeRawPointer(hit))
            let equal = needle.withUnsafeBytes { memcmp(base + index, $0.baseAddress!, needle.count) == 0 }
            if equal { return true }
            position = index + 1
        }
        return false
    }

    struct ScanError: Error, CustomStringConvertible {
        let description: String
    }
}
#endif
