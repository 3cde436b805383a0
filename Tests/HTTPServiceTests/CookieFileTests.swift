import Foundation
import HTTPService
import TestSupport
import Testing

/// The one cookie file: bitcoind's format, mode 0600, written atomically, read back, deleted.
@Suite struct CookieFileTests {
    @Test func freshCookieIsBitcoindsFormat() {
        let cookie = CookieFile(path: "/nonexistent/.cookie")
        #expect(cookie.secret.count == 64)
        #expect(cookie.secret.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(cookie.userColonPassword == "__cookie__:" + cookie.secret)
        #expect(cookie.authorization == "Basic " + Data(cookie.userColonPassword.utf8).base64EncodedString())
        #expect(CookieFile(path: cookie.path).secret != cookie.secret)
    }

    @Test func acceptsOnlyItsOwnAuthorization() {
        let cookie = CookieFile(path: "/x/.cookie")
        #expect(cookie.accepts(authorization: cookie.authorization))
        #expect(!cookie.accepts(authorization: nil))
        #expect(!cookie.accepts(authorization: ""))
        #expect(!cookie.accepts(authorization: CookieFile(path: "/x/.cookie").authorization))
        #expect(!cookie.accepts(authorization: String(cookie.authorization.dropLast())))
        #expect(!cookie.accepts(authorization: cookie.authorization + "A"))
    }

    @Test func writtenOwnerOnlyWithExactlyTheCookieAndReadBack() throws {
        let dir = try TempDir(prefix: "cookie")
        defer { dir.cleanup() }
        let cookie = CookieFile(path: dir.path + "/" + CookieFile.fileName)
        try cookie.write()
        let attributes = try FileManager.default.attributesOfItem(atPath: cookie.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        // bitcoind's file: `__cookie__:` and the hex, no newline.
        #expect(try String(contentsOfFile: cookie.path, encoding: .utf8) == cookie.userColonPassword)
        #expect(try CookieFile.read(from: cookie.path) == cookie)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [".cookie"], "a temporary file was left")
        cookie.delete()
        #expect(!FileManager.default.fileExists(atPath: cookie.path))
        cookie.delete()
    }

    @Test func rewriteReplacesTheFileInsteadOfTruncatingIt() throws {
        let dir = try TempDir(prefix: "cookie")
        defer { dir.cleanup() }
        let path = dir.path + "/.cookie"
        let old = CookieFile(path: path)
        try old.write()
        // A reader that opened the old file keeps reading the whole old cookie: the new one went
        // to a temporary file renamed over it, so no reader can see half a cookie.
        let reader = try #require(FileHandle(forReadingAtPath: path))
        defer { try? reader.close() }
        let new = CookieFile(path: path)
        try new.write()
        #expect(String(decoding: try reader.readToEnd() ?? Data(), as: UTF8.self) == old.userColonPassword)
        #expect(try CookieFile.read(from: path) == new)
    }

    @Test func readRefusesMissingMalformedAndOversizedFiles() throws {
        let dir = try TempDir(prefix: "cookie")
        defer { dir.cleanup() }
        #expect(throws: CookieFileError.self) { try CookieFile.read(from: dir.path + "/missing") }
        for text in ["user:password", "__cookie__:", "", String(repeating: "f", count: 400)] {
            let path = dir.path + "/bad"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: CookieFileError.self, "\(text.prefix(20)) was read as a cookie") { try CookieFile.read(from: path) }
        }
        let long = dir.path + "/long"
        try Data(("__cookie__:" + String(repeating: "f", count: 400)).utf8).write(to: URL(fileURLWithPath: long))
        #expect(throws: CookieFileError.self) { try CookieFile.read(from: long) }
        // Surrounding whitespace (an editor's newline) is not part of the secret.
        let edited = dir.path + "/edited"
        try Data("__cookie__:00ff\n".utf8).write(to: URL(fileURLWithPath: edited))
        #expect(try CookieFile.read(from: edited).secret == "00ff")
    }

    @Test func writeIntoAMissingDirectoryFailsWithThePath() {
        let cookie = CookieFile(path: "/nonexistent-\(UUID().uuidString)/.cookie")
        #expect {
            try cookie.write()
        } throws: { error in
            (error as? CookieFileError)?.description.contains(cookie.path) == true
        }
    }
}
