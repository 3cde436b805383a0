import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// scripts/install.sh and scripts/package-deb.sh over the executables this build made (the
/// release build itself is what `scripts/install.sh --prefix DIR` adds on top).
@Suite(.serialized) struct PackagingTests {
    static let programs = ["altnetd", "altnet-cli", "sendemergencytx", "altnet-harness",
                           "altnet-driver-bip324", "altnet-driver-lightning", "altnet-driver-rpc", "altnet-driver-esplora",
                           "altnet-driver-cln", "altnet-cln-plugin"]

    static var script: (String) -> String { { SharedData.packageRoot.appendingPathComponent("scripts/\($0)").path } }

    static func binDir() throws -> String {
        URL(fileURLWithPath: try BuiltProduct.path("altnetd")).deletingLastPathComponent().path
    }

    /// `man -l PAGE` formatted to plain text (no pager; grotty's bold and underline overstrikes,
    /// `X\bX` and `_\bX`, removed).
    static func man(_ page: String) async throws -> (status: Int32, out: String, err: String) {
        let run = try await runToEnd("/usr/bin/env", ["MANPAGER=cat", "MANWIDTH=100", "man", "-l", page])
        let plain = run.out.replacingOccurrences(of: ".\u{8}", with: "", options: .regularExpression)
        return (run.status, plain, run.err)
    }

    @Test func installWithPrefixThenHelpAndManPages() async throws {
        let tmp = try TempDir(prefix: "altnet-install")
        defer { tmp.cleanup() }
        let prefix = tmp.path + "/prefix"
        let run = try await runToEnd("/bin/bash", [Self.script("install.sh"), "--prefix", prefix, "--from", try Self.binDir()])
        #expect(run.status == 0, "\(run.out)\(run.err)")
        let help = try await runToEnd(prefix + "/bin/altnetd", ["--help"])
        #expect(help.status == 0 && help.out.contains("USAGE: altnetd"), "\(help.out)\(help.err)")
        for program in Self.programs {
            #expect(FileManager.default.isExecutableFile(atPath: "\(prefix)/bin/\(program)"), "\(program) not installed")
            let page = "\(prefix)/share/man/man1/\(program).1"
            let shown = try await Self.man(page)
            #expect(shown.status == 0, "man -l \(page): \(shown.err)")
            #expect(shown.out.contains("NAME") && shown.out.contains(program) && shown.out.contains("SYNOPSIS"), "\(program):\n\(shown.out)")
            #expect(!shown.err.contains("warning"), "roff warnings for \(program): \(shown.err)")
        }
        // The pages come from the parsers: altnetd's options and altnet-cli's doctor are in them.
        let altnetd = try await Self.man("\(prefix)/share/man/man1/altnetd.1").out
        #expect(altnetd.contains("--datadir") && altnetd.contains("--driverdir"))
        let cli = try await Self.man("\(prefix)/share/man/man1/altnet-cli.1").out
        #expect(cli.contains("doctor") && cli.contains("--wait"))
        let harness = try await Self.man("\(prefix)/share/man/man1/altnet-harness.1").out
        #expect(harness.contains("SUBCOMMAND DEMO") && harness.contains("--bitcoind"), "\(harness)")
        let unit = try String(contentsOfFile: prefix + "/lib/systemd/system/altnetd.service", encoding: .utf8)
        #expect(unit.contains("ExecStart=\(prefix)/bin/altnetd --datadir /var/lib/altnet --conf \(prefix)/etc/altnet/altnet.conf"), "\(unit)")
        #expect(FileManager.default.fileExists(atPath: prefix + "/etc/altnet/altnet.conf.sample"))
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/doc/altnet/altnet-dashboard.json"))
        // check-driver's schemas, where the installed altnet-harness looks for them.
        let schemas = try FileManager.default.contentsOfDirectory(atPath: prefix + "/share/altnet/schemas")
        let shipped = try FileManager.default.contentsOfDirectory(atPath: SharedData.packageRoot.appendingPathComponent("docs/schemas").path)
        #expect(Set(schemas) == Set(shipped.filter { $0.hasSuffix(".json") }) && schemas.contains("common.json"))
    }

    /// Root only (CI runs as root): the .deb installs with dpkg -i, its files are where Debian
    /// puts them and the system user exists; dpkg -r removes the programs, dpkg -P the rest.
    @Test func debInstallsAndRemovesCleanly() async throws {
        guard getuid() == 0 else {
            print("PackagingTests.debInstallsAndRemovesCleanly skipped: dpkg -i needs root (CI runs as root)")
            return
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg-deb") else {
            print("PackagingTests.debInstallsAndRemovesCleanly skipped: no dpkg-deb (not Debian)")
            return
        }
        let status = try await runToEnd("/usr/bin/dpkg-query", ["-W", "-f=${Status}", "altnet"])
        try #require(!status.out.contains("installed") || status.out.contains("not-installed"),
                     "an altnet package is already installed here; remove it first (dpkg -P altnet)")
        let tmp = try TempDir(prefix: "altnet-deb")
        defer { tmp.cleanup() }
        let built = try await runToEnd("/bin/bash", [Self.script("package-deb.sh"), "--from", try Self.binDir(),
                                                     "--version", "0.0.1~test", "--output", tmp.path, "--fast"])
        #expect(built.status == 0, "\(built.err)")
        let deb = built.out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last.map(String.init) ?? ""
        try #require(FileManager.default.fileExists(atPath: deb), "no .deb: \(built.out)")
        let contents = try await runToEnd("/usr/bin/dpkg-deb", ["--contents", deb])
        #expect(contents.out.contains("./usr/bin/altnetd") && contents.out.contains("./lib/systemd/system/altnetd.service"))

        let installed = try await runToEnd("/usr/bin/dpkg", ["-i", deb])
        defer { _ = try? FileManager.default.removeItem(atPath: "/var/lib/altnet") }
        #expect(installed.status == 0, "dpkg -i: \(installed.out)\(installed.err)")
        do {
            for program in Self.programs {
                #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/\(program)"), "\(program)")
                #expect(FileManager.default.fileExists(atPath: "/usr/share/man/man1/\(program).1.gz"), "\(program).1.gz")
            }
            let unit = try String(contentsOfFile: "/lib/systemd/system/altnetd.service", encoding: .utf8)
            #expect(unit.contains("ExecStart=/usr/bin/altnetd --datadir /var/lib/altnet --conf /etc/altnet/altnet.conf"))
            let conf = try String(contentsOfFile: "/etc/altnet/altnet.conf", encoding: .utf8)
            #expect(conf.split(separator: "\n").allSatisfy { $0.hasPrefix("#") || $0.trimmingCharacters(in: .whitespaces).isEmpty })
            let user = try await runToEnd("/usr/bin/getent", ["passwd", "altnet"])
            #expect(user.status == 0 && user.out.contains("/var/lib/altnet"), "no altnet user: \(user.out)")
            var info = stat()
            #expect(stat("/var/lib/altnet", &info) == 0 && info.st_mode & 0o777 == 0o700)
            let help = try await runToEnd("/usr/bin/altnet-cli", ["--help"])
            #expect(help.status == 0 && help.out.contains("doctor"))
            let manPage = try await Self.man("/usr/share/man/man1/altnetd.1.gz")
            #expect(manPage.status == 0 && manPage.out.contains("altnetd"))
        }

        let removed = try await runToEnd("/usr/bin/dpkg", ["-r", "altnet"])
        #expect(removed.status == 0, "dpkg -r: \(removed.err)")
        for program in Self.programs { #expect(!FileManager.default.fileExists(atPath: "/usr/bin/\(program)"), "\(program) left behind") }
        #expect(!FileManager.default.fileExists(atPath: "/lib/systemd/system/altnetd.service"))
        #expect(!FileManager.default.fileExists(atPath: "/usr/share/man/man1/altnetd.1.gz"))
        #expect(FileManager.default.fileExists(atPath: "/etc/altnet/altnet.conf"), "a conffile stays until purge")
        let purged = try await runToEnd("/usr/bin/dpkg", ["-P", "altnet"])
        #expect(purged.status == 0, "dpkg -P: \(purged.err)")
        #expect(!FileManager.default.fileExists(atPath: "/etc/altnet/altnet.conf"))
        #expect(!FileManager.default.fileExists(atPath: "/var/lib/altnet"))
        #expect(try await runToEnd("/usr/bin/getent", ["passwd", "altnet"]).status != 0, "the altnet user outlived purge")
        let left = try await runToEnd("/usr/bin/dpkg-query", ["-W", "-f=${Status}", "altnet"])
        #expect(!left.out.contains(" installed"), "\(left.out)")
    }
}
