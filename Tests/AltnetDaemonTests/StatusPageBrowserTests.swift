import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The status page at `/` on the metrics port, rendered by headless Chromium (Debian's
/// `chromium`) after a rescue: it loads with no console errors, and its text shows the driver,
/// the anomaly and the rescue. The screenshot is left at `.build/altnet-status-page.png`.
@Suite(.serialized) struct StatusPageBrowserTests {
    /// Chromium's path, installing it through scripts/install-deps.sh when missing; nil with the
    /// reason when it cannot be had.
    static func chromium() async -> (path: String?, reason: String) {
        func find() -> String? {
            ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        if let path = find() { return (path, "") }
        let script = SharedData.packageRoot.appendingPathComponent("scripts/install-deps.sh").path
        let run = try? await runToEnd("/bin/bash", [script, "--chromium"])
        if let path = find() { return (path, "") }
        return (nil, "chromium is not installed and scripts/install-deps.sh --chromium could not install it: \(run?.err.suffix(500) ?? "did not run")")
    }

    @Test func statusPageInChromiumAfterARescue() async throws {
        let browser = await Self.chromium()
        let chromium = try #require(browser.path, "\(browser.reason)")
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path, bobP2P: 0)
        defer { bobSim.kill(); aliceSim.kill() }
        let mined: [String] = try await bobSim.rpc.call("simgenerate", [25])
        let bobTip = try #require(mined.last)
        let bobP2P = try #require(bobSim.p2pPort)
        // Alice's tip (genesis) is stale at once: the watchdog opens an anomaly and AltLogic
        // rescues her over BIP324 from Bob's simnode.
        let alice = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim,
                                                        drivers: ["--bip324.connect=127.0.0.1:\(bobP2P)"],
                                                        extra: ["--watchdog.staletipseconds=2"])
        defer { alice.child.kill() }
        let linked = await DriverAlone.hasPeer(alice.dir, "bip324")
        try #require(linked, "Alice's BIP324 driver never reached Bob: \(alice.child.stderr.suffix(3000))")
        var caughtUp = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (try? await aliceSim.rpc.getBestBlockHash().displayHex) == bobTip
        }
        if !caughtUp {
            // The automatic rescue ran before the driver had its peer: ask for one now.
            _ = try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders")
            caughtUp = await eventually(timeout: .seconds(40), every: .milliseconds(100)) {
                (try? await aliceSim.rpc.getBestBlockHash().displayHex) == bobTip
            }
        }
        try #require(caughtUp, "Alice was not rescued: \(alice.child.stderr.suffix(3000))")
        let reported = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (try? await DaemonEndToEndTests.cli(alice.dir, "listrescues"))?.out.contains("caught-up") == true
        }
        #expect(reported)

        let page = try await Self.capture(chromium, port: alice.metricsPort, profile: root.path + "/chromium",
                                          screenshot: "altnet-status-page.png")
        let text = page.dom
        #expect(text.contains("<h2>Drivers and peers</h2>") && text.contains("<tr class=\"driver\"><td>bip324</td><td class=\"ok\">ready</td>"),
                "no ready bip324 driver in the page:\n\(text)")
        #expect(text.contains("127.0.0.1:\(bobP2P)"), "Bob's peer address not shown")
        #expect(text.contains("stale-tip"), "no stale-tip anomaly in the page")
        #expect(text.contains("<li class=\"rescue\">") && text.contains("caught-up"), "no rescue in the timeline")
        #expect(text.contains("over bip324"), "the rescue's driver is not named")
        // One block in common (DriverAlone), then Bob's 25.
        #expect(text.contains("id=\"tip-height\">26<"), "Alice's tip height 26 not shown")
        #expect(text.contains("<span class=\"ok\" id=\"rescue-state\">ready</span>"), "rescue state not shown")
        #expect(page.console.isEmpty, "console messages: \(page.console)")
    }

    /// While a rescue runs: Alice's BIP324 driver has two peers, Bob (at her height) and Carol,
    /// held in initial block download, which ignores getheaders as Core does; the rescue the
    /// stale-tip anomaly starts waits for Carol's answer, and the page shows it running.
    @Test func statusPageInChromiumDuringARescue() async throws {
        let browser = await Self.chromium()
        let chromium = try #require(browser.path, "\(browser.reason)")
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path, bobP2P: 0)
        defer { bobSim.kill(); aliceSim.kill() }
        let carolSim = try await SimnodeChild.start(datadir: root.path + "/csim", .init(p2pPort: 0))
        defer { carolSim.kill() }
        #expect(try await carolSim.rpc.simSetInitialBlockDownload(true))
        let (bobP2P, carolP2P) = (try #require(bobSim.p2pPort), try #require(carolSim.p2pPort))
        let alice = try await DriverAlone.startAltnetd(
            dir: root.path + "/alice", simnode: aliceSim,
            drivers: ["--bip324.connect=127.0.0.1:\(bobP2P)", "--bip324.connect=127.0.0.1:\(carolP2P)"],
            extra: ["--watchdog.staletipseconds=2"])
        defer { alice.child.kill() }
        let bothLinked = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            let peers = (try? await DaemonEndToEndTests.cli(alice.dir, "listpeers")).flatMap { DriverAlone.array($0.out) } ?? []
            return peers.filter { $0["driver"] as? String == "bip324" }.count == 2
        }
        try #require(bothLinked, "Alice's BIP324 driver did not reach both peers: \(alice.child.stderr.suffix(3000))")
        let running = await eventually(timeout: .seconds(40), every: .milliseconds(100)) {
            let info = (try? await DaemonEndToEndTests.cli(alice.dir, "getinfo")).flatMap { try? DaemonEndToEndTests.json($0.out) }
            return info?["rescue_running"] != nil
        }
        try #require(running, "no rescue started: \(alice.child.stderr.suffix(3000))")

        let page = try await Self.capture(chromium, port: alice.metricsPort, profile: root.path + "/chromium",
                                          screenshot: "altnet-status-page-during-rescue.png")
        #expect(page.dom.contains("<b>Rescue running</b>: stale-tip"), "no running rescue in the page:\n\(page.dom)")
        #expect(page.dom.contains("127.0.0.1:\(bobP2P)") && page.dom.contains("127.0.0.1:\(carolP2P)"), "both peers shown")
        #expect(page.dom.contains("Open anomalies") && page.dom.contains("stale-tip"), "the anomaly is shown")
        #expect(page.console.isEmpty, "console messages: \(page.console)")
    }

    /// The page at `/` on the metrics port, as headless Chromium renders it: its DOM, console
    /// lines, and a screenshot under .build/.
    static func capture(_ chromium: String, port: Int, profile: String, screenshot name: String) async throws
        -> (dom: String, console: [Substring])
    {
        let url = "http://127.0.0.1:\(port)/"
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                      "--user-data-dir=\(profile)", "--enable-logging=stderr", "--v=0", "--window-size=1200,1600"]
        let dom = try await runToEnd(chromium, common + ["--dump-dom", url])
        #expect(dom.status == 0, "chromium --dump-dom failed: \(dom.err.suffix(2000))")
        // Console errors (a failing script, a missing resource) are logged as CONSOLE lines.
        let console = dom.err.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        let shot = SharedData.packageRoot.appendingPathComponent(".build/\(name)").path
        try? FileManager.default.removeItem(atPath: shot)
        let screenshot = try await runToEnd(chromium, common + ["--screenshot=\(shot)", url])
        #expect(screenshot.status == 0, "\(screenshot.err.suffix(2000))")
        let png = FileManager.default.contents(atPath: shot) ?? Data()
        #expect(png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "no PNG screenshot at \(shot)")
        print("status page screenshot: \(shot) (\(png.count) bytes)")
        return (dom.out, console)
    }
}
