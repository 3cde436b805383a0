import BitcoinPrimitives
import DriverProtocol
import HeaderChain

extension Rescue {
    /// After a better chain was proven: demotes the peers whose own word shows they knew it and
    /// answered "nothing better" anyway, and remembers the others' answers as suspicions that a
    /// later answer of theirs may confirm (``PeerStanding``).
    /// - Parameters:
    ///   - proven: the better chain's tip.
    ///   - fanout: what the sources sent.
    mutating func noteWithholders(proven: ValidatedHeader, by fanout: FanoutResult) {
        let now = clock.now()
        let wall = clock.wallTime()
        // Earlier suspicions confirmed: this fan-out's answer of the peer carries the chain it denied.
        for (key, chain) in fanout.chains {
            guard let suspicion = standing.suspicion(of: key), chain.header(suspicion.provenTip) != nil,
                  suspicion.answeredAt - suspicion.provenTipTime > Self.seconds(config.withholdGrace) else { continue }
            demote(key, now: now, why: "its answer now carries \(suspicion.provenTip), which it denied having")
        }
        for source in report.sources where source.answer == .nothingBetter && source.peer != "*" {
            let key = "\(source.driver)/\(source.peer)"
            if let announced = fanout.startHeights[key], announced >= proven.height {
                demote(key, now: now, why: "it announced height \(announced) but had nothing after bitcoind's tip at \(report.heightBefore ?? -1)")
            } else {
                standing.suspect(key, .init(provenTip: proven.hash, provenTipTime: Double(proven.header.time), answeredAt: wall))
            }
        }
    }

    private mutating func demote(_ key: String, now: Duration, why: String) {
        standing.demote(key, until: now + config.demotionTTL, now: now)
        report.note("demoted \(key.prefix(60)): withheld a better chain (\(why))")
        logger.warning("demoting a peer that withheld a better chain", metadata: [
            "peer": "\(LogText.escaped(key, limit: 100))", "why": "\(why)",
        ])
        AltLogicMetrics.demoted()
    }

    static func seconds(_ d: Duration) -> Double { milliseconds(d) / 1000 }
}
