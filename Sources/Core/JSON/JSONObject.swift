/// A JSON object's members in their order: the order text had them in, or the order code added
/// them (bitcoind's replies list fields in a fixed order that a double must keep).
///
/// Reads like a dictionary (`object["key"]`, `for (key, value) in object`, `keys`); a key occurs
/// once: the first occurrence wins when building from pairs, as bitcoind's `find_value` reads a
/// duplicate. Equality and hashing ignore order, as JSON's object equality does.
public struct JSONObject: Sendable, Hashable {
    /// The keys, in order.
    public private(set) var keys: [String]
    private var storage: [String: JSONValue]

    /// An empty object.
    public init() {
        keys = []
        storage = [:]
    }

    /// An object of `members` in their order; a repeated key keeps its first value.
    public init(_ members: some Sequence<(String, JSONValue)>) {
        self.init()
        for (key, value) in members where storage[key] == nil {
            keys.append(key)
            storage[key] = value
        }
    }

    /// An object of a dictionary's members, keys sorted (a dictionary has no order to keep).
    public init(_ dictionary: [String: JSONValue]) {
        keys = dictionary.keys.sorted()
        storage = dictionary
    }

    /// The member named `key`. Setting a new key appends it; setting nil removes it.
    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set {
            switch (storage[key], newValue) {
            case (nil, let value?):
                keys.append(key)
                storage[key] = value
            case (_?, nil):
                keys.removeAll { $0 == key }
                storage[key] = nil
            default:
                storage[key] = newValue
            }
        }
    }

    /// The number of members.
    public var count: Int { keys.count }

    /// Whether there are no members.
    public var isEmpty: Bool { keys.isEmpty }

    /// The values, in order.
    public var values: [JSONValue] { keys.map { storage[$0] ?? .null } }

    /// The members as a dictionary (order dropped).
    public var dictionary: [String: JSONValue] { storage }

    public static func == (a: JSONObject, b: JSONObject) -> Bool { a.storage == b.storage }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}

extension JSONObject: Sequence {
    public struct Iterator: IteratorProtocol {
        fileprivate let object: JSONObject
        fileprivate var index = 0

        public mutating func next() -> (key: String, value: JSONValue)? {
            guard index < object.keys.count else { return nil }
            let key = object.keys[index]
            index += 1
            return (key, object.storage[key] ?? .null)
        }
    }

    public func makeIterator() -> Iterator { Iterator(object: self) }

    public var underestimatedCount: Int { keys.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(elements) }
}

extension JSONValue {
    /// An object of `members` in their order (`.object([("chain", "regtest"), ("blocks", 0)])`);
    /// a repeated key keeps its first value.
    public static func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members)) }
}
