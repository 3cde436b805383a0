import BitcoindRPC
import Foundation
import JSON
import RPCProxyCore

/// Selector 14: the one JSON scanner and parser (``JSONScanner``, ``JSONValueFuzz``), the RPC
/// proxy's request reading (``ProxyRequest``) and its
/// authentication (``ProxyAuthenticator``, ``RPCAuthEntry``), which see every byte a client sends
/// before bitcoind does. Large bodies are the point: run it with a larger `-max_len`.
enum RPCProxyFuzz {
    static func run(_ input: inout FuzzInput) {
        let mode = input.byte()
        if mode & 1 == 0 {
            body(input.remaining())
        } else {
            authentication(&input)
        }
    }

    // MARK: Bodies

    /// A request body. The scanner must stay within the body, nest each object's members inside
    /// it, agree with ``ProxyRequest/read(_:)``, and, wherever Foundation's JSON parser reads the
    /// body as an object or array, accept it too and read the same method (the allowlist decides
    /// on that method, so a different reading would let a restricted user call another one).
    static func body(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            let shape = try? JSONScanner.shape(of: raw)
            let request = ProxyRequest.read(raw)
            if case .unparsed = request {
                FuzzTargets.check(shape == nil, "ProxyRequest.read refused a body the scanner accepts")
            } else {
                FuzzTargets.check(shape != nil, "ProxyRequest.read accepted a body the scanner refuses")
            }
            var objects: [JSONScanner.Members] = []
            switch shape {
            case .object(let m)?:
                FuzzTargets.check(m.range.upperBound <= raw.count && raw[m.range.lowerBound] == UInt8(ascii: "{"), "JSON object range wrong")
                objects = [m]
            case .array(let elements)?:
                objects = elements.compactMap { $0 }
            case nil:
                break
            }
            for m in objects {
                FuzzTargets.check(m.range.lowerBound >= 0 && m.range.upperBound <= raw.count, "JSON object outside the body")
                FuzzTargets.check(raw[m.range.upperBound - 1] == UInt8(ascii: "}"), "JSON object range does not end at '}'")
                for value in [m.method, m.params, m.id, m.error] {
                    guard let value else { continue }
                    FuzzTargets.check(!value.isEmpty && m.range.contains(value.lowerBound) && value.upperBound < m.range.upperBound,
                                      "JSON member value outside its object")
                }
            }
            for call in request.calls {
                if let hash = ProxyRequest.blockHash(of: call, in: raw) {
                    FuzzTargets.check(call.isGetBlock, "a block hash read from a call that is not getblock: \(hash)")
                }
                _ = BitcoindErrorObject.of(call.members, in: raw)
            }
            differential(bytes, shape: shape, request: request)
            JSONValueFuzz.run(bytes, shape: shape)
        }
    }

    /// Compares with Foundation's JSONSerialization where the two should agree: UTF-8 text (no
    /// NUL, no byte-order mark: Foundation would guess another encoding) nested less deeply than
    /// the scanner's limit.
    static func differential(_ bytes: [UInt8], shape: JSONScanner.Shape?, request: ProxyRequest) {
        guard !bytes.contains(0), !bytes.starts(with: [0xEF, 0xBB, 0xBF]), String(validating: bytes, as: UTF8.self) != nil,
              nesting(bytes) < JSONScanner.maxDepth - 2
        else { return }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(bytes)) else { return }
        let foundationObjects: [Any]
        switch parsed {
        case let object as [String: Any]: foundationObjects = [object]
        case let array as [Any]: foundationObjects = array
        default: return
        }
        // Foundation accepts a trailing comma before '}' or ']'; bitcoind's UniValue (and the
        // scanner) refuse it: no comparison for such bodies.
        if shape == nil && hasTrailingComma(bytes) { return }
        FuzzTargets.check(shape != nil, "the proxy's JSON scanner refuses a body Foundation reads")
        let calls = request.calls
        FuzzTargets.check(calls.count == foundationObjects.count, "the scanner sees \(calls.count) calls, Foundation \(foundationObjects.count)")
        for (call, element) in zip(calls, foundationObjects) {
            guard let object = element as? [String: Any] else {
                FuzzTargets.check(call.members == nil, "the scanner read an object where Foundation has none")
                continue
            }
            guard let members = call.members else {
                FuzzTargets.check(false, "the scanner missed an object Foundation reads")
                continue
            }
            guard !members.ambiguousKey else { continue }
            let theirs = object["method"] as? String
            if let ours = call.method {
                FuzzTargets.check(ours == theirs, "method read as \(ours.debugDescription), Foundation reads \(theirs.debugDescription)")
            } else if let method = members.method, let theirs {
                // Only an escape the two decoders handle differently may make ours nil.
                let raw = bytes[method]
                FuzzTargets.check(raw.first != UInt8(ascii: "\"") || raw.contains(UInt8(ascii: "\\")),
                                  "method not read, Foundation reads \(theirs.debugDescription)")
            } else {
                FuzzTargets.check(theirs == nil || members.method != nil, "method missed, Foundation reads \(theirs.debugDescription)")
            }
        }
    }

    /// Whether a ',' outside strings is followed (after whitespace) by '}' or ']'.
    static func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        var inString = false, escaped = false, comma = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if comma { return true }
            default: break
            }
            comma = b == UInt8(ascii: ",")
            if b == UInt8(ascii: "\"") { inString = true }
        }
        return false
    }

    /// The deepest bracket nesting outside strings (a bound, not a parser).
    static func nesting(_ bytes: [UInt8]) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1; deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    // MARK: Authentication

    /// Users, passwords, salts and allowlist lines from the input. The cookie and every rpcauth
    /// user must get in with their own password and not with another; any header must come back
    /// as missing, wrong or a user, never trap; an rpcauth line round-trips through
    /// ``RPCAuthEntry/line``; the allowlist answers stay consistent with each other.
    static func authentication(_ input: inout FuzzInput) {
        func text(_ n: Int) -> String { String(decoding: input.take(n), as: UTF8.self) }
        let cookieSecret = text(Int(input.byte() % 48))
        let user = text(Int(input.byte() % 24))
        let password = text(Int(input.byte() % 48))
        let salt = text(Int(input.byte() % 32))
        let allowLines = (0..<Int(input.byte() % 4)).map { _ in text(Int(input.byte() % 40)) }
        let rawLine = text(Int(input.byte()))
        let rawHeader = text(Int(input.u16() % 2048))

        let cookie = "__cookie__:" + cookieSecret
        let entry = RPCAuthEntry(user: user, password: password, salt: salt)
        let auth = ProxyAuthenticator(userColonPassword: cookie, rpcauth: [entry], allowLines: allowLines)

        func basic(_ userPass: String) -> String { "Basic " + Data(userPass.utf8).base64EncodedString() }
        FuzzTargets.check(auth.authenticate(basic(cookie)) == .user("__cookie__"), "the cookie does not authenticate")
        FuzzTargets.check(auth.authenticate(nil) == .missing, "no header is not .missing")

        let userPass = user + ":" + password
        let colon = UInt8(ascii: ":")
        if !user.utf8.contains(colon) {
            FuzzTargets.check(auth.authenticate(basic(userPass)) == .user(user), "an rpcauth user's own password is refused")
            let wrong = user + ":" + password + "x"
            if wrong != cookie {
                FuzzTargets.check(auth.authenticate(basic(wrong)) == .wrong, "an rpcauth user got in with a wrong password")
            }
        }
        if !entry.verify(password: password) { FuzzTargets.check(false, "RPCAuthEntry does not verify its own password") }
        if !user.utf8.contains(colon) && !salt.utf8.contains(colon) && !salt.utf8.contains(UInt8(ascii: "$")) {
            let again = try? RPCAuthEntry(line: entry.line)
            FuzzTargets.check(again == entry, "rpcauth line does not round-trip: \(entry.line.debugDescription)")
        }
        if let parsed = try? RPCAuthEntry(line: rawLine) {
            FuzzTargets.check(parsed.line == rawLine, "an rpcauth line parsed into another line")
        }

        switch auth.authenticate(rawHeader) {
        case .missing:
            FuzzTargets.check(false, "a present header counted as missing")
        case .wrong:
            break
        case .user(let name):
            // Only the two configured identities exist.
            FuzzTargets.check(name == "__cookie__" || name == user, "authenticated as an unknown user \(name.debugDescription)")
        }

        for candidate in [user, "__cookie__", text(8)] {
            for method in ["getblock", "stop", text(8)] {
                if auth.permits(candidate, method) {
                    FuzzTargets.check(auth.mayCallAnything(candidate), "permitted a method to a user who may call nothing")
                }
                if !auth.isRestricted(candidate) {
                    FuzzTargets.check(auth.permits(candidate, method), "an unrestricted user was refused a method")
                }
            }
        }
    }
}
