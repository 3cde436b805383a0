import Altstack
import DriverProtocol

/// The `framing` check (docs/driver-protocol.md, "Binary framing").
extension DriverConformance {
    /// A driver that declared binary framing (so init picked it): everything it wrote after its
    /// init answer is a binary frame, a frame the suite writes in three pieces with pauses is
    /// read, and a frame declaring more than the limit gets an error with id null while the driver
    /// stays alive. A driver that did not declare it: nothing it wrote is a frame.
    /// - Parameters:
    ///   - picked: the framing init picked.
    ///   - afterInit: how many messages the driver had written when init was answered.
    static func checkFraming(
        _ session: ConformanceSession, picked: DriverFraming, afterInit: Int, timeout: Duration,
        record: (ConformanceCheck, Bool, String) -> Void
    ) async {
        let unreadable = session.unreadableFrames
        guard unreadable.isEmpty else {
            record(.framing, false, "\(unreadable.count) unreadable binary frame(s); first: \(unreadable[0])")
            return
        }
        let frames = session.allFrames
        guard picked == .binary else {
            let binary = frames.filter { $0.framing == .binary }.count
            record(.framing, binary == 0, binary == 0
                ? "binary framing not declared: \(frames.count) JSON lines"
                : "\(binary) binary frame(s) from a driver that did not declare binary framing")
            return
        }
        let later = frames.dropFirst(afterInit)
        let lines = later.filter { $0.framing == .json }.count
        guard lines == 0, !later.isEmpty else {
            record(.framing, false, "binary framing picked in init, but \(lines) of \(later.count) later messages were JSON lines")
            return
        }
        // A ping frame written in three pieces, with pauses between them.
        let id = session.freshID()
        guard let ping = try? RPCCodec.request(id: id, method: Methods.ping, params: EmptyObject(), framing: .binary) else { return }
        session.sent(id, method: Methods.ping)
        session.keep(ping, as: "ping.request")
        let cuts = [0, 3, ping.count / 2, ping.count]
        for index in 0..<3 {
            session.pipe.send(Array(ping[cuts[index]..<cuts[index + 1]]))
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard let answer = await session.answer(to: id, timeout: timeout), case .result = answer.kind, answer.framing == .binary else {
            record(.framing, false, "a ping frame written in three pieces was not answered with a binary frame")
            return
        }
        // A frame declaring one byte over the limit, then its bytes, which the driver must skip.
        var oversized: [UInt8] = [BinaryFrame.marker]
        let declared = DriverProtocolLimits.maxLineBytes + 1
        for shift in [24, 16, 8, 0] { oversized.append(UInt8(truncatingIfNeeded: declared >> shift)) }
        oversized += [UInt8](repeating: 0, count: declared)
        var survived: (Bool, String) = (false, "")
        await survives(.framing, line: oversized, session, .seconds(30)) { _, passed, detail in survived = (passed, detail) }
        record(.framing, survived.0, survived.0
            ? "binary: \(later.count) frames after init, a split frame read, an oversized frame \(survived.1)"
            : "oversized binary frame: \(survived.1)")
    }
}
