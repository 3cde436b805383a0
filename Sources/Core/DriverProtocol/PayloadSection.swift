import Foundation

/// A binary frame's payload section while its JSON header is decoded: a P2P message's
/// `"payload_bin": [offset, length]` reads its bytes from here (passed in `JSONDecoder.userInfo`).
final class PayloadSection: Sendable {
    static let key = CodingUserInfoKey(rawValue: "altnet.driver.payloadSection")!
    let bytes: ArraySlice<UInt8>

    init(bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    /// The bytes of `range` (`[offset, length]`), checked against the section.
    /// - Throws: `DecodingError.dataCorrupted` when the range is malformed or out of the section.
    func payload(_ range: [Int], codingPath: [any CodingKey]) throws -> [UInt8] {
        guard range.count == 2, range[0] >= 0, range[1] >= 0, range[0] <= bytes.count - range[1] else {
            throw Swift.DecodingError.dataCorrupted(.init(
                codingPath: codingPath, debugDescription: "payload_bin \(range.prefix(3)) is not within the \(bytes.count)-byte payload section"))
        }
        let start = bytes.startIndex + range[0]
        return Array(bytes[start..<(start + range[1])])
    }
}

/// Collects the payload section while a binary frame's header is encoded: each P2P message
/// appends its payload and writes `"payload_bin": [offset, length]` (passed in `JSONEncoder.userInfo`).
final class PayloadSink: @unchecked Sendable {
    // @unchecked: one encoder uses it on one thread, then the frame is built from `bytes`.
    static let key = CodingUserInfoKey(rawValue: "altnet.driver.payloadSink")!
    private(set) var bytes: [UInt8] = []

    /// Appends a payload.
    /// - Returns: its `[offset, length]` in the section.
    func add(_ payload: [UInt8]) -> [Int] {
        let offset = bytes.count
        bytes.append(contentsOf: payload)
        return [offset, payload.count]
    }
}
