/// The address the tests mine to on simnode's regtest: BIP173's P2WPKH example
/// (`bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4` with the regtest prefix).
public let regtestMiningAddress = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
