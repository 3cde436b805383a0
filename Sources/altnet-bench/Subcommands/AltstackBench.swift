import ArgumentParser

struct AltstackBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "altstack", abstract: "Not yet measured.")
    func run() throws {
        throw ValidationError("altnet-bench altstack is not implemented yet")
    }
}
