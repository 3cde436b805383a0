"""BIP324 v2 over a blocking socket, shared by the verystable-based peers in this folder
(bip324_peer.py, bip324_driver_peer.py, simnode_v2_peer.py).

verystable (PyPI) is Bitcoin Core's functional test framework: its v2_p2p.EncryptedP2PState does
the handshake and the packets. This module only moves bytes between that state and a socket
and turns message objects into BIP324 packet contents and back; nothing here re-implements
BIP324. Importing it needs verystable: callers import it inside their own `try` so that a
missing package is reported their way (exit 3).
"""

from io import BytesIO

from verystable.core.v2_p2p import EncryptedP2PState, MSGTYPE_TO_SHORTID, SHORTID


class PeerClosed(Exception):
    """The conversation cannot go on: the peer closed, or sent something BIP324 rejects."""


def contents_of(message):
    """Packet contents of a verystable message: its short id, or 0 and the 12-byte command,
    then the payload."""
    msgtype = message.msgtype
    if msgtype in MSGTYPE_TO_SHORTID:
        prefix = bytes([MSGTYPE_TO_SHORTID[msgtype]])
    else:
        prefix = b"\x00" + msgtype + b"\x00" * (12 - len(msgtype))
    return prefix + message.serialize()


def parse_contents(contents):
    """(command, payload) of packet contents; an unallocated short id reads as b"?"."""
    if contents[0] != 0:
        return SHORTID.get(contents[0], b"?"), contents[1:]
    return contents[1:13].rstrip(b"\x00"), contents[13:]


class V2Socket:
    """One BIP324 connection: `handshake()`, then `send(message)` and `packets()`."""

    def __init__(self, sock, initiating, net="regtest"):
        self.sock = sock
        self.state = EncryptedP2PState(initiating=initiating, net=net)
        self.buffer = b""

    @property
    def session_id(self):
        return self.state.peer["session_id"].hex()

    def read_more(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise PeerClosed("connection closed by the peer")
        self.buffer += data

    def handshake(self):
        """Keys, garbage and version packets, as initiator or responder.
        Raises PeerClosed("v1 peer") when a responder sees a v1 version message instead of a key."""
        state = self.state
        if state.initiating:
            self.sock.sendall(state.initiate_v2_handshake())
        else:
            while True:
                # respond_v2_handshake reports the total prefix length it has kept so far
                # (in received_prefix), so drop only the bytes new to this call.
                before = len(state.received_prefix)
                consumed, reply = state.respond_v2_handshake(BytesIO(self.buffer))
                if reply == -1:
                    raise PeerClosed("v1 peer")
                self.buffer = self.buffer[consumed - before:]
                if reply:
                    self.sock.sendall(reply)
                    break
                self.read_more()
        while True:
            consumed, reply = state.complete_handshake(BytesIO(self.buffer))
            if consumed:
                self.buffer = self.buffer[consumed:]
                self.sock.sendall(reply)
                break
            self.read_more()
        while not state.tried_v2_handshake:
            consumed, ok = state.authenticate_handshake(self.buffer)
            if not ok:
                raise PeerClosed("v2 handshake authentication failed (bad garbage terminator or version packet)")
            self.buffer = self.buffer[consumed:]
            if not state.tried_v2_handshake:
                self.read_more()

    def send(self, message):
        self.sock.sendall(self.state.v2_enc_packet(contents_of(message)))

    def packets(self):
        """Yields decrypted contents of non-decoy packets, reading as needed."""
        while True:
            length, contents = self.state.v2_receive_packet(self.buffer)
            if length == -1:
                raise PeerClosed("packet authentication failed")
            if length == 0:
                self.read_more()
                continue
            self.buffer = self.buffer[length:]
            if contents is not None:
                yield contents
