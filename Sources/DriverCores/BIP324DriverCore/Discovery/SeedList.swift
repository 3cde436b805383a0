import BitcoinPrimitives

/// Each network's DNS seeds, P2P port and fixed seeds.
///
/// DNS seeds: Bitcoin Core src/kernel/chainparams.cpp (`vSeeds`); ports are ``ChainParams``'
/// `defaultP2PPort` (Core's `nDefaultPort`).
/// Fixed seeds: the Tor v3 entries of Bitcoin Core contrib/seeds/nodes_main_manual.txt ("manually
/// updated 2022-08 for minimal torv3 bootstrap support"), which generate-seeds.py puts into
/// chainparamsseeds.h; every name's checksum is verified when parsed. Core's IPv4/IPv6 fixed
/// seeds (hundreds, refreshed each release) are not carried: these are reached through `onion`
/// or `proxy`. Regtest has none, as in Core.
public enum SeedList {
    /// The DNS seed names of a network.
    public static func dnsSeeds(network: Network) -> [String] {
        switch network {
        case .main:
            return [
                "seed.bitcoin.sipa.be", "dnsseed.bluematt.me", "dnsseed.bitcoin.dashjr-list-of-p2p-nodes.us",
                "seed.bitcoinstats.com", "seed.bitcoin.jonasschnelli.ch", "seed.btc.petertodd.net",
                "seed.bitcoin.sprovoost.nl", "dnsseed.emzy.de", "seed.bitcoin.wiz.biz", "seed.mainnet.achownodes.xyz",
            ]
        case .testnet3:
            return [
                "testnet-seed.bitcoin.jonasschnelli.ch", "seed.tbtc.petertodd.net", "seed.testnet.bitcoin.sprovoost.nl",
                "testnet-seed.bluematt.me", "seed.testnet.achownodes.xyz",
            ]
        case .testnet4:
            return ["seed.testnet4.bitcoin.sprovoost.nl", "seed.testnet4.wiz.biz"]
        case .signet:
            return ["seed.signet.bitcoin.sprovoost.nl", "seed.signet.achownodes.xyz"]
        case .regtest:
            return []
        }
    }

    /// Fixed seeds of a network, with `port`.
    public static func fixedSeeds(network: Network, port: UInt16) -> [PeerAddress] {
        guard network == .main else { return [] }
        return mainOnionSeeds.compactMap { PeerAddress(host: $0 + ".onion", port: port) }
    }

    static let mainOnionSeeds = [
        "5g72ppm3krkorsfopcm2bi7wlv4ohhs4u4mlseymasn7g7zhdcyjpfid", "b64xcbleqmwgq2u46bh4hegnlrzzvxntyzbmucn3zt7cssm7y4ubv3id",
        "fjdyxicpm4o42xmedlwl3uvk5gmqdfs5j37wir52327vncjzvtpfv7yd", "fpz6r5ppsakkwypjcglz6gcnwt7ytfhxskkfhzu62tnylcknh3eq6pad",
        "gxo5anvfnffnftfy5frkgvplq3rpga2ie3tcblo2vl754fvnhgorn5yd", "ifdu5qvbofrt4ekui2iyb3kbcyzcsglazhx2hn4wfskkrx2v24qxriid",
        "itz3oxsihs62muvknc237xabl5f6w6rfznfhbpayrslv2j2ubels47yd", "kpgvmscirrdqpekbqjsvw5teanhatztpp2gl6eee4zkowvwfxwenqaid",
        "m7cbpjolo662uel7rpaid46as2otcj44vvwg3gccodnvaeuwbm3anbyd", "mwmfluek4au6mxxpw6fy7sjhkm65bdfc7izc7lpz3trewfdghyrzsbid",
        "rp7k2go3s5lyj3fnj6zn62ktarlrsft2ohlsxkyd7v3e3idqyptvread",
    ]
}
