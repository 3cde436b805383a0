import Foundation
import JSON
import Testing

/// The parser against Foundation's on real files: every JSON file of the JSON-Schema-Test-Suite
/// (Tests/JSONSchemaTests/Vectors, its source noted there) reads the same through
/// ``JSONValue/parse(_:limits:)`` as through `JSONDecoder` and the Codable bridge, and survives
/// encode/parse in both formats. One difference is by design: the parser keeps `1.0` a `.double`
/// (the text has a fraction), Foundation's `Int64` decoding makes it `.int(1)`; numbers are
/// compared by value.
@Suite struct JSONSuiteFilesTests {
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("JSONSchemaTests/Vectors")

    static func files() -> [URL] {
        let walker = FileManager.default.enumerator(at: vectors, includingPropertiesForKeys: nil)
        return (walker?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "json" }
    }

    @Test func everyFileReadsAsFoundationReadsIt() throws {
        let files = Self.files()
        #expect(files.count > 50, "found \(files.count) files under \(Self.vectors.path)")
        var bytes = 0
        for file in files {
            let data = try Data(contentsOf: file)
            bytes += data.count
            let ours = try JSONValue.parse(data)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: data)
            #expect(Self.byValue(ours) == Self.byValue(foundation), "\(file.lastPathComponent)")
            #expect(try JSONValue.parse(ours.encoded()) == ours, "\(file.lastPathComponent)")
            #expect(try JSONValue.parse(ours.encoded(.bitcoind)).text(.bitcoind) == ours.text(.bitcoind), "\(file.lastPathComponent)")
        }
        #expect(bytes > 100_000)
    }

    /// Integral doubles as integers, recursively.
    static func byValue(_ value: JSONValue) -> JSONValue {
        switch value {
        case .double(let number) where number == number.rounded() && abs(number) < 9e18: .int(Int64(number))
        case .array(let items): .array(items.map(byValue))
        case .object(let members): .object(members.map { ($0.key, byValue($0.value)) })
        default: value
        }
    }
}
