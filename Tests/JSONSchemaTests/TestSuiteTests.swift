import DriverProtocol
import Foundation
import JSON
import JSONSchema
import TestSupport
import Testing

/// The official JSON-Schema-Test-Suite (draft 2020-12) for the keywords the validator supports;
/// the files and their source are in Vectors/ (README.md there).
///
/// Every case of every file in Vectors/draft2020-12 runs, except the groups listed in
/// `skippedGroups`: their schemas use a keyword outside the subset (`unevaluatedProperties`) or
/// reference the 2020-12 meta-schema, which the suite expects an implementation to carry. The
/// skips are chosen from the schema, never from a result, and the test fails if the set of
/// skipped groups is not exactly that list. The suite's remote documents (Vectors/remotes) are
/// in every group's registry under the `http://localhost:1234/` URIs the tests refer to.
@Suite struct TestSuiteTests {
    struct Group: Decodable {
        let description: String
        let schema: JSONValue
        let tests: [Case]
    }

    struct Case: Decodable {
        let description: String
        let data: JSONValue
        let valid: Bool
    }

    static let directory = SharedData.packageRoot.appendingPathComponent("Tests/JSONSchemaTests/Vectors/draft2020-12")
    static let remotes = SharedData.packageRoot.appendingPathComponent("Tests/JSONSchemaTests/Vectors/remotes/draft2020-12")

    /// The suite's remote documents, by the URI its tests fetch them from.
    static func remoteDocuments() throws -> [(uri: String, document: JSONValue)] {
        guard let walker = FileManager.default.enumerator(atPath: remotes.path) else { return [] }
        var documents: [(String, JSONValue)] = []
        for case let path as String in walker where path.hasSuffix(".json") {
            let document = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: remotes.appendingPathComponent(path)))
            documents.append(("http://localhost:1234/draft2020-12/" + path, document))
        }
        return documents.sorted { $0.0 < $1.0 }
    }
    static let metaSchema = "https://json-schema.org/draft/2020-12/schema"

    static let skippedGroups: Set<String> = [
        "not.json: collect annotations inside a 'not', even if collection is disabled",  // unevaluatedProperties
        "ref.json: ref creates new scope when adjacent to keywords",  // unevaluatedProperties
        "ref.json: remote ref, containing refs itself",  // $ref to the meta-schema
    ]

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
    }

    /// Whether a schema refers to the meta-schema (a `$ref` string equal to its URI).
    static func refersToMetaSchema(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let members):
            if case .string(Self.metaSchema)? = members["$ref"] { return true }
            return members.values.contains(where: refersToMetaSchema)
        case .array(let items): return items.contains(where: refersToMetaSchema)
        default: return false
        }
    }

    /// 41 files, 286 groups, 1,048 cases: 1,043 run, 5 in the skipped groups.
    @Test func theSuiteHasTheExpectedFilesAndCases() throws {
        let files = try Self.files()
        #expect(files.count == 41)
        var groups = 0, cases = 0
        for file in files {
            let decoded = try JSONDecoder().decode([Group].self, from: Data(contentsOf: Self.directory.appendingPathComponent(file)))
            groups += decoded.count
            cases += decoded.reduce(0) { $0 + $1.tests.count }
        }
        #expect(groups == 286 && cases == 1048, "\(groups) groups, \(cases) cases")
    }

    @Test(arguments: try files())
    func suiteFile(_ file: String) throws {
        let remotes = try Self.remoteDocuments()
        #expect(remotes.count == 15)
        let groups = try JSONDecoder().decode([Group].self, from: Data(contentsOf: Self.directory.appendingPathComponent(file)))
        var skipped: Set<String> = []
        var ran = 0
        for (index, group) in groups.enumerated() {
            let name = "\(file): \(group.description)"
            if !SchemaKeywords.unsupportedKeywords(in: group.schema).isEmpty || Self.refersToMetaSchema(group.schema) {
                skipped.insert(name)
                continue
            }
            var registry = SchemaRegistry()
            for remote in remotes { try registry.add(remote.document, uri: remote.uri) }
            let uri = try registry.add(group.schema, uri: "urn:altnet-test:\(file):\(index)")
            let validator = SchemaValidator(registry: registry)
            for test in group.tests {
                let violations = validator.validate(test.data, against: uri)
                #expect(violations.isEmpty == test.valid, "\(name) / \(test.description): \(violations)")
                ran += 1
            }
        }
        #expect(skipped == Self.skippedGroups.filter { $0.hasPrefix(file + ":") })
        #expect(ran > 0)
    }
}
