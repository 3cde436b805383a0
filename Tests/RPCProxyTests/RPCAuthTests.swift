import Foundation
import TestSupport
import Testing

@testable import RPCProxyCore

/// rpcauth lines, the timing-safe compare and bitcoind's -rpcwhitelist rules, without network.
@Suite struct RPCAuthTests {
    /// Runs Python's hmac the way share/rpcauth/rpcauth.py does.
    static func pythonHMAC(salt: String, password: String) async throws -> String {
        let script = "import hmac,sys; print(hmac.new(sys.argv[1].encode('utf-8'), sys.argv[2].encode('utf-8'), 'SHA256').hexdigest())"
        return try await runToEnd("/usr/bin/env", ["python3", "-c", script, salt, password]).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(arguments: [
        ("alice", "hunter2", "cb77f0957de88ff388cf817ddbc7273a"),
        ("bob", "pässwörd with spaces:and:colons", "00"),
        ("carol", "", "salt"),
    ])
    func hmacMatchesPythonsRpcauth(user: String, password: String, salt: String) async throws {
        let python = try await Self.pythonHMAC(salt: salt, password: password)
        try #require(python.count == 64, "python3 hmac failed: \(python)")
        let entry = RPCAuthEntry(user: user, password: password, salt: salt)
        #expect(entry.hash == python)
        let parsed = try RPCAuthEntry(line: "\(user):\(salt)$\(python)")
        #expect(parsed == entry)
        #expect(parsed.verify(password: password))
        #expect(!parsed.verify(password: password + "x"))
    }

    @Test func malformedLinesAreRejected() {
        for line in ["alice", "alice:salt", "alice:salt$hash:more", "alice:a$b$c", "a:b:c$d"] {
            #expect(throws: RPCProxyConfigError.self) { try RPCAuthEntry(line: line) }
        }
    }

    @Test func timingSafeEqual() {
        #expect(TimingSafe.equal("abc", "abc"))
        #expect(!TimingSafe.equal("abc", "abd"))
        #expect(!TimingSafe.equal("abc", "abcd"))
        #expect(!TimingSafe.equal("abcd", "abc"))
        #expect(!TimingSafe.equal("abc", ""))
        #expect(TimingSafe.equal("", ""))
        #expect(!TimingSafe.equal("", "a"))
        // A repeating pattern must not pass as a prefix (bitcoind indexes b modulo its length).
        #expect(!TimingSafe.equal("abab", "ab"))
    }

    @Test func authenticationOutcomes() {
        let entry = RPCAuthEntry(user: "ln", password: "secret", salt: "aa")
        let auth = ProxyAuthenticator(userColonPassword: "__cookie__:00ff", rpcauth: [entry])
        #expect(auth.authenticate(nil) == .missing)
        #expect(auth.authenticate("Bearer x") == .wrong)
        #expect(auth.authenticate("Basic !!!") == .wrong)
        #expect(auth.authenticate(RawHTTP.basic("__cookie__:00ff")) == .user("__cookie__"))
        #expect(auth.authenticate(RawHTTP.basic("__cookie__:00fe")) == .wrong)
        #expect(auth.authenticate(RawHTTP.basic("ln:secret")) == .user("ln"))
        #expect(auth.authenticate(RawHTTP.basic("ln:Secret")) == .wrong)
        #expect(auth.authenticate(RawHTTP.basic("other:secret")) == .wrong)
        #expect(auth.authenticate(RawHTTP.basic("nocolon")) == .wrong)
    }

    /// bitcoind trims the base64 part with TrimStringView's default pattern " \f\n\r\t\v"
    /// (src/httprpc.cpp RPCAuthorized, src/util/string.h) and nothing else.
    @Test func theBase64PartIsTrimmedAsBitcoindTrimsIt() {
        let auth = ProxyAuthenticator(userColonPassword: "__cookie__:00ff", rpcauth: [])
        let encoded = String(RawHTTP.basic("__cookie__:00ff").dropFirst(6))
        for padding in [" ", "\t", "\u{0B}", "\u{0C}", "\r", "\n", " \t \u{0B}"] {
            #expect(auth.authenticate("Basic " + padding + encoded + padding) == .user("__cookie__"), "\(Array(padding.utf8))")
        }
        // A non-breaking space is not in bitcoind's pattern: the base64 no longer decodes.
        #expect(auth.authenticate("Basic \u{A0}" + encoded) == .wrong)
        #expect(auth.authenticate("Basic " + encoded + "\u{A0}") == .wrong)
        #expect(auth.authenticate("Basic ") == .wrong)
        #expect(auth.authenticate("basic " + encoded) == .wrong)
    }

    /// Found by scripts/fuzz.sh (target 14): a ':' or '$' followed by a combining mark is one
    /// Character with it, so splitting on Characters missed the separator bitcoind splits on.
    @Test func separatorsBeforeCombiningMarksStillSeparate() throws {
        let combining = "\u{0487}"  // COMBINING CYRILLIC POKRYTIE, as in the fuzzer's input
        let entry = RPCAuthEntry(user: "-", password: "pw", salt: combining + "salt")
        let parsed = try RPCAuthEntry(line: entry.line)
        #expect(parsed == entry)
        let dollar = try RPCAuthEntry(line: "u:s$" + combining + "h")
        #expect(dollar.salt == "s" && dollar.hash == combining + "h")

        let user = RPCAuthEntry(user: "ln", password: combining + "secret", salt: "aa")
        let auth = ProxyAuthenticator(userColonPassword: nil, rpcauth: [user],
                                      allowLines: ["ln:" + combining + "x,getblock"])
        #expect(auth.authenticate(RawHTTP.basic("ln:" + combining + "secret")) == .user("ln"))
        #expect(auth.permits("ln", "getblock") && auth.permits("ln", combining + "x"))
    }

    @Test func allowlistsFollowRpcwhitelist() {
        let auth = ProxyAuthenticator(
            userColonPassword: nil, rpcauth: [],
            allowLines: ["ln:getblock,getblockhash getblockcount", "ln:getblock,getblockcount,stop", "ro"])
        // Two lines for one user: their intersection.
        #expect(auth.permits("ln", "getblock"))
        #expect(auth.permits("ln", "getblockcount"))
        #expect(!auth.permits("ln", "getblockhash"))
        #expect(!auth.permits("ln", "stop"))
        // A line without ':' allows nothing; a user without a line may call nothing.
        #expect(auth.mayCallAnything("ro") && !auth.permits("ro", "getblock"))
        #expect(!auth.mayCallAnything("__cookie__"))
        // No lines at all: everyone may call everything.
        let open = ProxyAuthenticator(userColonPassword: nil, rpcauth: [])
        #expect(!open.isRestricted("anyone") && open.permits("anyone", "stop"))
    }
}
