import Foundation

/// The physical floor for the Altstack bench: lines echoed by `/bin/cat` through two pipes, no
/// JSON, no framing beyond finding the newline.
enum PipeEcho {
    struct Figures {
        let bigP50: Double
        let smallPerSecond: Double
    }

    static func measure(line: [UInt8], runs: Int, smallRuns: Int) throws -> Figures {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cat")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        defer {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
        let writeFD = input.fileHandleForWriting.fileDescriptor
        let readFD = output.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 1 << 16)

        @Sendable func writeAll(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var offset = 0
                while offset < raw.count {
                    let n = write(writeFD, base + offset, raw.count - offset)
                    if n <= 0 { return }
                    offset += n
                }
            }
        }

        func echo(_ bytes: [UInt8]) {
            if bytes.count < 4096 {
                writeAll(bytes)
            } else {
                // Write on a second thread so a line larger than the pipe buffer cannot deadlock.
                let writer = Thread { writeAll(bytes) }
                writer.start()
            }
            var received = 0
            while received < bytes.count {
                let n = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                received += n
            }
        }

        var samples: [Double] = []
        for run in 0..<(runs + 10) {
            let t0 = BenchOutput.now()
            echo(line)
            if run >= 10 { samples.append(Double(BenchOutput.now() - t0) / 1e6) }
        }
        samples.sort()
        let small = Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n".utf8)
        let start = BenchOutput.now()
        for _ in 0..<smallRuns { echo(small) }
        let seconds = Double(BenchOutput.now() - start) / 1e9
        return Figures(bigP50: samples[samples.count / 2], smallPerSecond: Double(smallRuns) / seconds)
    }
}
