import DriverProtocol

extension Altstack {
    /// Drivers whose declared capabilities satisfy `requirement`, best first: ready before not
    /// ready, then by configured priority, then lower latency, then name.
    /// - Parameter requirement: what the request needs.
    /// - Returns: the eligible drivers with their snapshots.
    public func eligible(_ requirement: CapabilityRequirement) -> [(DriverSupervisor, DriverSnapshot)] {
        supervisors.map { ($0, $0.snapshot) }
            .filter { _, snapshot in snapshot.capabilities.map(requirement.isSatisfied(by:)) ?? false }
            .sorted { a, b in
                let (x, y) = (a.1, b.1)
                if (x.state == .ready) != (y.state == .ready) { return x.state == .ready }
                if x.priority != y.priority { return x.priority < y.priority }
                if let lx = x.capabilities?.latency, let ly = y.capabilities?.latency, lx != ly { return lx < ly }
                return x.name < y.name
            }
    }

    /// Sends a request to the best `n` eligible ready drivers at once; the first valid answer
    /// wins and the others are cancelled. When all `n` fail (error, timeout, or an answer
    /// `accept` rejects; each driver gets its configured request timeout, bounded by what is
    /// left of `timeout`), the next `n` are tried, in order, until none is left or the deadline passes.
    /// - Parameters:
    ///   - method: the driver method (e.g. ``Methods/sendMessage``).
    ///   - params: its params.
    ///   - resultType: the result type.
    ///   - requirement: the capabilities a driver must declare.
    ///   - n: drivers asked in parallel per round.
    ///   - timeout: the overall deadline.
    ///   - accept: validates an answer; throw a ``DriverProtocolError`` to reject it and fail over.
    /// - Returns: the winning answer and the failures before it.
    /// - Throws: ``AltstackError``.
    public func anycast<P: Encodable & Sendable, R: Decodable & Sendable>(
        _ method: String, _ params: P, as resultType: R.Type, requirement: CapabilityRequirement,
        n: Int = 1, timeout: Duration = .seconds(30),
        accept: @escaping @Sendable (R) throws(DriverProtocolError) -> Void = { _ in }
    ) async throws(AltstackError) -> AnycastAnswer<R> {
        let candidates = eligible(requirement)
        guard !candidates.isEmpty else { throw AltstackError(kind: .noEligibleDriver, attempts: []) }
        let ready = candidates.filter { $0.1.state == .ready }.map(\.0)
        guard !ready.isEmpty else {
            throw AltstackError(kind: .noReadyDriver, attempts: candidates.map {
                .init(driver: $0.1.name, error: DriverProtocolError(.driverUnavailable, "\($0.1.name) is \($0.1.state.rawValue)"))
            })
        }
        let deadline = ContinuousClock.now + timeout
        var failures: [AltstackError.Attempt] = []
        var index = 0
        let width = max(1, n)
        while index < ready.count {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw AltstackError(kind: .timeout, attempts: failures) }
            let round = Array(ready[index..<min(index + width, ready.count)])
            index += round.count
            let outcome = await withTaskGroup(of: (String, Result<R, DriverProtocolError>).self) { group -> AnycastAnswer<R>? in
                for supervisor in round {
                    group.addTask {
                        do throws(DriverProtocolError) {
                            let perDriver = min(remaining, supervisor.config.timeouts.request)
                            let value = try await supervisor.call(method, params, timeout: perDriver).result(as: R.self)
                            try accept(value)
                            return (supervisor.config.name, .success(value))
                        } catch {
                            return (supervisor.config.name, .failure(error))
                        }
                    }
                }
                while let (driver, result) = await group.next() {
                    switch result {
                    case .success(let value):
                        group.cancelAll()
                        return AnycastAnswer(driver: driver, value: value, failures: failures)
                    case .failure(let error):
                        failures.append(.init(driver: driver, error: error))
                    }
                }
                return nil
            }
            if let outcome { return outcome }
            if let last = failures.last, !last.error.kind.isRetryableElsewhere { break }
        }
        throw AltstackError(kind: .allFailed, attempts: failures)
    }

    /// Sends a request to every eligible driver and returns one outcome per driver, in
    /// eligibility order; a driver that is not running gets a `driverUnavailable` outcome.
    /// - Parameters:
    ///   - method: the driver method (e.g. ``Methods/broadcastTx``).
    ///   - params: its params.
    ///   - resultType: the result type.
    ///   - requirement: the capabilities a driver must declare.
    ///   - timeout: the deadline for each driver.
    /// - Returns: one outcome per eligible driver.
    public func broadcast<P: Encodable & Sendable, R: Decodable & Sendable>(
        _ method: String, _ params: P, as resultType: R.Type, requirement: CapabilityRequirement,
        timeout: Duration = .seconds(30)
    ) async -> [BroadcastOutcome<R>] {
        let targets = eligible(requirement).map(\.0)
        let results = await withTaskGroup(of: (Int, BroadcastOutcome<R>).self) { group in
            for (position, supervisor) in targets.enumerated() {
                group.addTask {
                    do throws(DriverProtocolError) {
                        let value = try await supervisor.call(method, params, timeout: timeout).result(as: R.self)
                        return (position, BroadcastOutcome(driver: supervisor.config.name, result: .success(value)))
                    } catch {
                        return (position, BroadcastOutcome(driver: supervisor.config.name, result: .failure(error)))
                    }
                }
            }
            var collected: [(Int, BroadcastOutcome<R>)] = []
            for await item in group { collected.append(item) }
            return collected
        }
        return results.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Sends a P2P message through the best driver that carries its kind and returns the reply:
    /// an anycast of ``Methods/sendMessage`` that accepts only answers holding one of the
    /// expected replies.
    /// - Parameters:
    ///   - message: e.g. a `getheaders`.
    ///   - peer: a specific peer, or nil for any.
    ///   - n: drivers asked in parallel per round.
    ///   - timeout: the overall deadline.
    /// - Returns: the winning answer.
    /// - Throws: ``AltstackError``.
    public func sendMessage(
        _ message: DriverP2PMessage, peer: String? = nil, n: Int = 1, timeout: Duration = .seconds(30)
    ) async throws(AltstackError) -> AnycastAnswer<SendMessageResult> {
        let expect = SendMessageParams.expectedReplies(to: message.command)
        let kind = MessageKind.of(command: message.command) ?? .headers
        // The reply is the call's result: `receive` (unsolicited delivery) is not needed.
        let requirement = expect.isEmpty ? CapabilityRequirement.push(kind) : .request(kind)
        let params = SendMessageParams(
            peer: peer, message: message, expect: expect,
            timeoutMs: Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        return try await anycast(Methods.sendMessage, params, as: SendMessageResult.self, requirement: requirement, n: n, timeout: timeout) {
            result throws(DriverProtocolError) in
            guard expect.isEmpty || result.replies.contains(where: { expect.contains($0.command) }) else {
                throw DriverProtocolError(.peerUnavailable, "no \(expect.joined(separator: "/")) in the answer")
            }
        }
    }

    /// Pushes a transaction out through every driver that carries transactions.
    /// - Parameters:
    ///   - tx: the serialized transaction as hex.
    ///   - timeout: the deadline per driver.
    /// - Returns: one outcome per transaction-capable driver.
    public func broadcastTx(_ tx: String, timeout: Duration = .seconds(30)) async -> [BroadcastOutcome<BroadcastTxResult>] {
        await broadcast(Methods.broadcastTx, BroadcastTxParams(tx: tx), as: BroadcastTxResult.self,
                        requirement: .push(.transactions), timeout: timeout)
    }
}
