import BitcoinPrimitives
import Foundation

/// Optional persistence for simnode (`--persist`): every block connected to the active chain
/// is appended to one file as a 4-byte little-endian length and the serialised block, written
/// before the RPC call returns, so a killed simnode restarts with its chain (as bitcoind keeps
/// its blocks). A torn last record (killed mid-write) is ignored on load.
public final class BlockStore: @unchecked Sendable {
    // @unchecked: the file handle is used only under `lock`.
    private let lock = NSLock()
    private let handle: FileHandle
    public let path: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens (creating if needed) the store.
    /// - Parameter path: the file, e.g. DIR/regtest/simnode-blocks.dat.
    /// - Throws: ``Failure`` when the file cannot be opened for appending.
    public init(path: String) throws(Failure) {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw Failure(description: "cannot create \(path)")
            }
        }
        guard let h = FileHandle(forUpdatingAtPath: path) else { throw Failure(description: "cannot open \(path)") }
        _ = try? h.seekToEnd()
        handle = h
        self.path = path
    }

    deinit { try? handle.close() }

    /// Appends one block.
    func append(_ block: SimBlock) {
        let bytes = block.serialized
        var w = ByteWriter(capacity: bytes.count + 4)
        w.writeLE(UInt32(bytes.count))
        w.writeBytes(bytes)
        lock.lock()
        defer { lock.unlock() }
        try? handle.write(contentsOf: w.bytes)
    }

    /// Every complete, parsable record in file order.
    func load() -> [SimBlock] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var r = ByteReader(Array(data))
        var blocks: [SimBlock] = []
        while r.remaining >= 4 {
            guard let length = try? r.readLE(UInt32.self), Int(length) <= r.remaining, length <= 4_000_000,
                let bytes = try? r.readArray(Int(length)), let block = try? SimBlock(bytes: bytes)
            else { break }
            blocks.append(block)
        }
        return blocks
    }
}
