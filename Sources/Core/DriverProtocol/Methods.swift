/// Method names of the driver protocol (docs/driver-protocol.md).
public enum Methods {
    // Core -> driver requests.
    /// Handshake step 1: the driver describes itself. Params ``GetManifestParams``, result ``Manifest``.
    public static let getManifest = "getmanifest"
    /// Handshake step 2: configuration. Params ``InitParams``, result ``EmptyObject``.
    public static let initialize = "init"
    /// Heartbeat. Params and result ``EmptyObject``.
    public static let ping = "ping"
    /// Orderly stop: the driver answers, then exits. Params and result ``EmptyObject``.
    public static let shutdown = "shutdown"
    /// Send a P2P message to one or any peer. Params ``SendMessageParams``, result ``SendMessageResult``.
    public static let sendMessage = "sendmessage"
    /// The driver's peers. Params ``EmptyObject``, result ``ListPeersResult``.
    public static let listPeers = "listpeers"
    /// Send a transaction to every peer. Params ``BroadcastTxParams``, result ``BroadcastTxResult``.
    public static let broadcastTx = "broadcasttx"
    /// Drop a peer (e.g. one that sent invalid headers). Params ``DisconnectPeerParams``, result ``EmptyObject``.
    public static let disconnectPeer = "disconnectpeer"

    // Driver -> core notifications.
    /// Params ``PeerConnected``.
    public static let peerConnected = "peerconnected"
    /// Params ``PeerDisconnected``.
    public static let peerDisconnected = "peerdisconnected"
    /// Params ``MessageReceived``.
    public static let messageReceived = "messagereceived"

    // Driver -> core requests (namespaced by the core service that answers them).
    /// ECDH with the node key. Params ``ECDHParams``, result ``ECDHResult``.
    public static let signerECDH = "signer.ecdh"

    /// The notifications a driver may send.
    public static let driverNotifications: Set<String> = [peerConnected, peerDisconnected, messageReceived]
}
