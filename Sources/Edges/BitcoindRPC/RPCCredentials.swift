import Foundation

/// How to authenticate to bitcoind's RPC.
public enum RPCCredentials: Sendable, Equatable {
    /// The cookie file bitcoind writes at start (`<datadir>/<network>/.cookie`, `__cookie__:<hex>`).
    /// Re-read when bitcoind answers 401, since it writes a new cookie on every start.
    case cookieFile(String)
    /// -rpcuser / -rpcpassword.
    case userPassword(user: String, password: String)
}

/// The current Authorization header, cached; re-reads the cookie on request.
actor CredentialCache {
    private let credentials: RPCCredentials
    private var header: String?

    init(_ credentials: RPCCredentials) { self.credentials = credentials }

    /// The `Authorization` header value.
    /// - Throws: ``BitcoindRPCError`` (credentialsUnavailable) if the cookie cannot be read.
    func authorization() throws(BitcoindRPCError) -> String {
        if let header { return header }
        let fresh = try Self.load(credentials)
        header = fresh
        return fresh
    }

    /// Re-reads the cookie file after a 401.
    /// - Returns: true if the credentials changed (worth retrying once).
    func refresh() -> Bool {
        guard case .cookieFile = credentials else { return false }
        let old = header
        header = try? Self.load(credentials)
        return header != nil && header != old
    }

    /// Largest cookie file read: bitcoind's is 75 bytes.
    static let maxCookieSize = 4096

    static func load(_ credentials: RPCCredentials) throws(BitcoindRPCError) -> String {
        let userPass: String
        switch credentials {
        case .userPassword(let user, let password):
            userPass = user + ":" + password
        case .cookieFile(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw BitcoindRPCError(.credentialsUnavailable("cannot read cookie file \(path)"))
            }
            defer { try? handle.close() }
            let data = (try? handle.read(upToCount: maxCookieSize + 1)) ?? Data()
            guard data.count <= maxCookieSize else {
                throw BitcoindRPCError(.credentialsUnavailable("cookie file \(path) larger than \(maxCookieSize) bytes"))
            }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.contains(":") else {
                throw BitcoindRPCError(.credentialsUnavailable("cookie file \(path) has no user:password"))
            }
            userPass = text
        }
        return "Basic " + Data(userPass.utf8).base64EncodedString()
    }
}
