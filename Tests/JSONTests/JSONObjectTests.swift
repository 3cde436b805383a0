import JSON
import Testing

@Suite struct JSONObjectTests {
    @Test func readsAndWritesLikeADictionaryInOrder() {
        var object: JSONObject = ["b": 1, "a": 2]
        object["c"] = 3
        object["b"] = 4
        #expect(object.keys == ["b", "a", "c"])
        #expect(object.map(\.value) == [4, 2, 3])
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(object.count == 2)
        #expect(object["a"] == nil)
        #expect(JSONObject([("x", 1), ("x", 2)])["x"] == 1)
    }

    @Test func equalityAndHashIgnoreOrder() {
        let a: JSONValue = .object([("x", 1), ("y", [true])])
        let b: JSONValue = .object([("y", [true]), ("x", 1)])
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != .object([("x", 1)]))
        #expect(Set([a, b]).count == 1)
    }
}
