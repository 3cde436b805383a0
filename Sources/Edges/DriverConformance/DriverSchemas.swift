import Altstack
import DriverProtocol
import Foundation
import JSON
import JSONSchema

/// The driver protocol's JSON Schemas (docs/schemas, one file per message, `common.json` for
/// shared definitions), loaded for check-driver: validates protocol lines by message name
/// (`peerconnected.notification`, `getmanifest.response`, `error.response`, ...).
public struct DriverSchemas: Sendable {
    private let validator: SchemaValidator
    /// Message name -> the schema's URI in the registry.
    private let uris: [String: String]

    /// The messages there is a schema for.
    public var messageNames: Set<String> { Set(uris.keys) }

    /// Loads every `*.json` file of a directory.
    /// - Parameter directory: the schemas' directory (docs/schemas).
    /// - Throws: ``SchemaError`` for a file that is not JSON, not a schema, or uses a keyword
    ///   outside the supported subset; Foundation's error when the directory cannot be read.
    public init(directory: URL) throws {
        var registry = SchemaRegistry()
        var uris: [String: String] = [:]
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        for file in files {
            let url = directory.appendingPathComponent(file)
            let document: JSONValue
            do {
                document = try JSONValue.parse(Data(contentsOf: url))
            } catch {
                throw SchemaError("\(url.path): not JSON: \(error)")
            }
            do {
                let uri = try registry.add(document, uri: url.absoluteURL.standardizedFileURL.absoluteString)
                if file != "common.json" { uris[String(file.dropLast(".json".count))] = uri }
            } catch {
                throw SchemaError("\(url.path): \(error.message)")
            }
        }
        guard !uris.isEmpty else { throw SchemaError("no schemas in \(directory.path)") }
        self.validator = SchemaValidator(registry: registry)
        self.uris = uris
    }

    /// Validates one protocol line.
    /// - Parameters:
    ///   - line: the line's bytes (a trailing newline is allowed).
    ///   - name: the message name, e.g. `peerconnected.notification`.
    /// - Returns: the violations (empty when valid), or nil when there is no schema for `name`.
    public func violations(of line: [UInt8], as name: String) -> [SchemaViolation]? {
        guard let uri = uris[name] else { return nil }
        let instance: JSONValue
        do {
            instance = try JSONValue.parse(line, limits: JSONLimits(maxBytes: DriverProtocolLimits.maxLineBytes + 1, maxDepth: DriverProtocolLimits.maxDepth))
        } catch {
            return [SchemaViolation(instancePath: "", keyword: "json", message: "not JSON")]
        }
        return validator.validate(instance, against: uri)
    }

    /// Where docs/schemas is: `$ALTNET_SCHEMAS`, else `docs/schemas` in the working directory or
    /// a parent of it, else beside the running executable (`share/altnet/schemas` of an
    /// installation, or the checkout a `.build/<config>/` executable was built in).
    /// - Returns: the first directory found (named in messages by its path), or nil.
    public static func locateDirectory() -> URL? {
        let manager = FileManager.default
        func exists(_ url: URL) -> Bool {
            manager.fileExists(atPath: url.appendingPathComponent("common.json").path)
        }
        if let path = ProcessInfo.processInfo.environment["ALTNET_SCHEMAS"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        var candidates: [URL] = []
        var directory = URL(fileURLWithPath: manager.currentDirectoryPath)
        for _ in 0..<8 {
            candidates.append(directory.appendingPathComponent("docs/schemas"))
            directory.deleteLastPathComponent()
        }
        var executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(executable.appendingPathComponent("share/altnet/schemas"))
            candidates.append(executable.appendingPathComponent("docs/schemas"))
            executable.deleteLastPathComponent()
        }
        return candidates.first(where: exists)
    }
}
