import JSON

/// Request bodies in the JSON-RPC 1.0 style bitcoin-cli sends: {"method","params","id"}.
enum RPCRequestBody {
    static func single(method: String, params: [JSONValue], id: Int) -> [UInt8] {
        request(method: method, params: params, id: id).encoded()
    }

    static func batch(method: String, paramsList: [[JSONValue]], ids: [Int]) -> [UInt8] {
        JSONValue.array(zip(paramsList, ids).map { request(method: method, params: $0, id: $1) }).encoded()
    }

    private static func request(method: String, params: [JSONValue], id: Int) -> JSONValue {
        ["method": .string(method), "params": .array(params), "id": .int(id)]
    }
}

/// A result whose content is ignored (null or {}).
public struct RPCIgnored: Decodable, Sendable {
    public init(from decoder: any Decoder) throws {}
}
