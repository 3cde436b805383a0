import BitcoinPrimitives
import Foundation
import TestSupport

/// One test vector from BOLT 8's Appendix A, as written in the spec: its section, its name and
/// its `key: value` / `key=value` lines in order (comment lines dropped). BOLT8Tests and
/// Secp256k1Tests (its ECDH and key vectors) read them.
public struct BOLT8Vector: CustomStringConvertible, Sendable {
    public enum Section: String, Sendable { case initiator, responder, message }

    public let section: Section
    public let name: String
    public var fields: [(key: String, value: String)] = []

    public var description: String { name }

    /// The first value for `key`.
    public func value(_ key: String) -> String? { fields.first { $0.key == key }?.value }

    /// The hex value for `key` (a leading `0x` allowed).
    public func bytes(_ key: String) throws -> [UInt8] {
        guard let v = value(key) else { throw VectorFileError.missingField(name, key) }
        return try hexBytes(v)
    }
}

public enum VectorFileError: Error, CustomStringConvertible {
    case missingField(String, String)
    case noVectors(String)

    public var description: String {
        switch self {
        case .missingField(let name, let key): return "vector '\(name)' has no '\(key)'"
        case .noVectors(let section): return "no \(section) vectors found in bolt8-test-vectors.txt"
        }
    }
}

/// Hex with an optional `0x` prefix.
public func hexBytes(_ s: String) throws -> [UInt8] {
    let trimmed = s.trimmingCharacters(in: .whitespaces)
    return try [UInt8](hex: trimmed.hasPrefix("0x") ? String(trimmed.dropFirst(2)) : trimmed)
}

public enum BOLT8Vectors {
    public static let path = "specs/bolts/bolt8-test-vectors.txt"

    /// Parses every vector of the official file at test time.
    public static func load() throws -> [BOLT8Vector] {
        let text = try SharedData.text(path)
        var vectors: [BOLT8Vector] = []
        var section: BOLT8Vector.Section?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("## Initiator Tests") { section = .initiator; continue }
            if line.hasPrefix("## Responder Tests") { section = .responder; continue }
            if line.hasPrefix("## Message Encryption Tests") { section = .message; continue }
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("```") { continue }
            guard let section else { continue }
            // Split at whichever of ':' and '=' comes first ("ls.priv=..", "output: sk,rk=..").
            guard let sep = line.firstIndex(where: { $0 == ":" || $0 == "=" }) else { continue }
            let key = line[..<sep].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: sep)...].trimmingCharacters(in: .whitespaces)
            if key == "name" {
                vectors.append(BOLT8Vector(section: section, name: value))
            } else if !vectors.isEmpty, vectors[vectors.count - 1].section == section {
                vectors[vectors.count - 1].fields.append((key, value))
            }
        }
        return vectors
    }

    public static func load(_ section: BOLT8Vector.Section) throws -> [BOLT8Vector] {
        let found = try load().filter { $0.section == section }
        guard !found.isEmpty else { throw VectorFileError.noVectors(section.rawValue) }
        return found
    }
}
