import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import HeaderChain

extension Rescue {
    /// A `headers` answer: who sent it and what.
    struct HeadersAnswer {
        let driver: String
        let peer: String
        let headers: [BlockHeader]
    }

    /// The protocol version written in our `getheaders` (Core's current).
    static let getHeadersVersion: UInt32 = 70016

    /// Asks the drivers for headers after bitcoind's tip until a peer's tip (a reply with fewer
    /// than 2,000), validating each batch through a ``HeaderChain`` anchored in bitcoind's chain.
    /// A peer whose headers are invalid (or do not connect) is dropped and the sync starts over,
    /// at most ``AltLogicConfig/maxInvalidRetries`` times.
    /// - Returns: the validated chain, or nil when no peer had anything after bitcoind's tip (or
    ///   only invalid peers answered).
    /// - Throws: ``RescueStop`` (no driver, timeout), RPC failures.
    mutating func syncHeaders(from tip: BitcoindChainView.Tip) async throws -> HeaderChain? {
        let heights = BlockLocator.heights(tipHeight: tip.height)
        let baseLocator = try await view.locator(tipHeight: tip.height)
        var restarts = 0
        while true {
            var chain: HeaderChain?
            var pinned: (driver: String, peer: String)?
            var locator = baseLocator
            var invalid = false
            for _ in 0..<config.maxHeaderRounds {
                try checkDeadline()
                let answer: HeadersAnswer
                do {
                    answer = try await requestHeaders(locator: locator, pinned: pinned)
                } catch let stop as RescueStop {
                    // Nobody left to ask after dropping a bad peer: that is the outcome.
                    if !report.peersDropped.isEmpty { throw RescueStop(outcome: RescueReport.Outcome.invalidHeaders) }
                    throw stop
                }
                report.used(answer.driver)
                report.headersReceived += answer.headers.count
                AltLogicMetrics.headersFetched(answer.headers.count, driver: answer.driver)
                guard let first = answer.headers.first else { break }
                if chain == nil {
                    guard let info = try await view.headerInfos([first.previousBlockHash]).first ?? nil, info.confirmations >= 0 else {
                        await drop(answer, reason: "headers do not connect to bitcoind's active chain", hash: first.hash)
                        invalid = true
                        break
                    }
                    let anchor = try await view.anchor(at: info)
                    chain = HeaderChain(params: view.params, anchor: anchor,
                                        limits: .init(maxHeadersPerSource: max(1, config.maxHeadersHeld), maxTips: 16))
                }
                do throws(HeaderRejection) {
                    _ = try chain?.accept(answer.headers, from: HeaderSource("\(answer.driver)/\(answer.peer)"),
                                          now: Int64(Date().timeIntervalSince1970))
                } catch {
                    if case .sourceLimit = error.rule, let chain, chain.count > 1 {
                        report.note("header cap \(config.maxHeadersHeld) reached; acting on what is held")
                        break
                    }
                    await drop(answer, reason: "invalid headers: \(error)", hash: error.hash)
                    invalid = true
                    break
                }
                pinned = (answer.driver, answer.peer)
                if answer.headers.count < P2PLimits.maxHeaders { break }
                guard let chain else { break }
                // Next round from the last received, then bitcoind's locator below the anchor.
                let anchorHeight = chain.anchor.height
                let below = zip(heights, baseLocator).filter { $0.0 < anchorHeight }.map(\.1)
                locator = Array((chain.locator() + below).prefix(P2PLimits.maxLocatorHashes))
            }
            if !invalid { return chain }
            restarts += 1
            if restarts > config.maxInvalidRetries { throw RescueStop(outcome: RescueReport.Outcome.invalidHeaders) }
        }
    }

    /// One `getheaders` round: the pinned peer first (the sync continues where it was), else
    /// an anycast to drivers that exchange headers.
    /// - Throws: ``RescueStop`` when no driver answers.
    mutating func requestHeaders(locator: [BlockHash], pinned: (driver: String, peer: String)?) async throws -> HeadersAnswer {
        var writer = ByteWriter()
        GetHeadersMessage(version: Self.getHeadersVersion, locator: locator).write(to: &writer)
        let message = DriverProtocol.P2PMessage(command: "getheaders", payload: writer.bytes.hex)
        let timeoutMs = Int(config.requestTimeout.components.seconds * 1000)
        if let pinned, let supervisor = altstack.supervisor(named: pinned.driver) {
            do throws(DriverProtocolError) {
                let params = SendMessageParams(peer: pinned.peer, message: message, expect: ["headers"], timeoutMs: timeoutMs)
                let result = try await supervisor.call(Methods.sendMessage, params, timeout: config.requestTimeout + .seconds(1))
                    .result(as: SendMessageResult.self)
                if let headers = Self.headers(in: result) {
                    return HeadersAnswer(driver: pinned.driver, peer: result.peer, headers: headers)
                }
                report.note("\(pinned.driver): unreadable headers from \(result.peer.prefix(20))")
            } catch {
                report.note("\(pinned.driver): \(error.kind.rawValue): \(error.message.prefix(120))")
            }
        }
        let params = SendMessageParams(peer: nil, message: message, expect: ["headers"], timeoutMs: timeoutMs)
        do throws(AltstackError) {
            let answer = try await altstack.anycast(
                Methods.sendMessage, params, as: SendMessageResult.self, requirement: .request(.headers), n: 1,
                timeout: config.requestTimeout + .seconds(1)
            ) { result throws(DriverProtocolError) in
                guard Self.headers(in: result) != nil else {
                    throw DriverProtocolError(.peerUnavailable, "no readable headers in the answer")
                }
            }
            for failure in answer.failures { report.note("\(failure.driver): \(failure.error.kind.rawValue): \(failure.error.message.prefix(120))") }
            return HeadersAnswer(driver: answer.driver, peer: answer.value.peer, headers: Self.headers(in: answer.value) ?? [])
        } catch {
            for failure in error.attempts { report.note("\(failure.driver): \(failure.error.kind.rawValue): \(failure.error.message.prefix(120))") }
            switch error.kind {
            case .noEligibleDriver, .noReadyDriver: throw RescueStop(outcome: RescueReport.Outcome.noEligibleDriver)
            case .allFailed, .timeout: throw RescueStop(outcome: RescueReport.Outcome.failed("no driver answered getheaders (\(error.kind.rawValue))"))
            }
        }
    }

    /// The headers in a `sendmessage` answer, nil when there is no well-formed `headers` reply.
    static func headers(in result: SendMessageResult) -> [BlockHeader]? {
        guard let reply = result.replies.first(where: { $0.command == "headers" }),
              let bytes = try? [UInt8](hex: reply.payload),
              case .headers(let headers)? = try? BitcoinPrimitives.P2PMessage.decode(command: .headers, payload: bytes)
        else { return nil }
        return headers
    }

    /// Tells the driver to drop a peer that sent invalid headers, and records it.
    mutating func drop(_ answer: HeadersAnswer, reason: String, hash: BlockHash?) async {
        logger.warning("dropping a peer that sent invalid headers", metadata: [
            "driver": "\(answer.driver)", "peer": "\(answer.peer)", "reason": "\(reason)",
        ])
        report.peersDropped.append("\(answer.driver)/\(answer.peer)")
        report.note("\(answer.driver)/\(answer.peer.prefix(20)): \(reason)")
        if let hash {
            tipsSeen.append(AltChainTip(hash: hash.displayHex, height: -1, chainwork: "", status: "invalid",
                                        drivers: [answer.driver], seen: Date().timeIntervalSince1970))
        }
        guard let supervisor = altstack.supervisor(named: answer.driver) else { return }
        do throws(DriverProtocolError) {
            _ = try await supervisor.call(Methods.disconnectPeer, DisconnectPeerParams(peer: answer.peer, reason: reason),
                                          timeout: .seconds(5))
        } catch {
            report.note("\(answer.driver): disconnectpeer failed: \(error.kind.rawValue): \(error.message.prefix(120))")
        }
    }
}
