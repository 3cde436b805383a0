import BitcoinPrimitives
import JSON
/// `addnode` (src/rpc/net.cpp): "add" remembers the node and connects, "onetry" connects once,
/// "remove" forgets it (the connection stays, as in bitcoind).
extension SimnodeNode {
    /// Sets how outbound connections are made (the server's NIO side).
    func setConnector(_ connect: @escaping @Sendable (String, Int) -> Void) { p2p.connector = connect }

    func addNode(_ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        let p = try RPCParams(method: "addnode", names: ["node", "command", "v2transport"], raw: raw)
        let node = try p.string(0)
        let command = try p.string(1)
        guard ["add", "remove", "onetry"].contains(command) else {
            throw RPCFailure(RPCFailure.miscError, "addnode \"node\" \"command\" ( v2transport )\n\ncommand must be add, remove or onetry")
        }
        let target = try? HostPort(parsing: node)
        if command != "remove", target == nil {
            throw RPCFailure(RPCFailure.invalidParameter, "node must be HOST:PORT, got \(node)")
        }
        switch command {
        case "remove":
            guard p2p.addedNodes.contains(node) else {
                throw RPCFailure(-24, "Error: Node could not be removed. It has not been added previously.")
            }
            p2p.addedNodes.removeAll { $0 == node }
            return .null
        case "add":
            guard !p2p.addedNodes.contains(node) else { throw RPCFailure(-23, "Error: Node already added") }
            p2p.addedNodes.append(node)
        default:
            break
        }
        if let target { p2p.connector?(target.host, target.port) }
        return .null
    }
}
