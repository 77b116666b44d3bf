internal import NIOCore
internal import Quiver
internal import QuiverMetadata
internal import QuiverRESP

/// What the server knows of one client connection: its protocol, database, identity and
/// transaction. Lives on the connection's event loop; commands change it through
/// ``CommandContext/connection``.
struct ConnectionState: Sendable {
    /// `CLIENT ID`: unique for the server's life.
    let id: UInt64
    /// `ip:port` of the peer.
    let address: String
    /// Whether the peer is on a loopback address (or a Unix socket).
    let isLoopback: Bool
    /// Wall-clock milliseconds at connect.
    let connectedAt: Int64
    /// RESP2 until `HELLO 3`.
    var protocolVersion: RESPProtocolVersion = .resp2
    /// `SELECT`ed logical database, 0...15.
    var database = 0
    /// `CLIENT SETNAME`; empty for none.
    var name = ""
    /// `CLIENT SETINFO LIB-NAME` / `LIB-VER`.
    var libraryName = ""
    var libraryVersion = ""
    /// The authenticated user, `nil` before authentication (when a password is required).
    var user: String?
    /// Whether that user may only read.
    var isReadOnly = false
    /// The decoder's limits, shared with it, on a connection that must authenticate: `AUTH`
    /// and `HELLO … AUTH` lift Redis's pre-authentication caps through it (`RESET` puts them
    /// back). `nil` when no password was required at connect.
    var requestLimits: NIOLoopBoundBox<RESPRequestLimits>?
    /// Commands queued by `MULTI`, `nil` outside a transaction.
    var transaction: [[[UInt8]]]?
    /// Whether a queued command was refused, so `EXEC` must abort.
    var transactionFailed = false
    /// `CLIENT NO-EVICT ON` (flag `e` of `CLIENT LIST`; quiverd never evicts clients).
    var noEvict = false
    /// `CLIENT NO-TOUCH ON` (flag `T` of `CLIENT LIST`).
    var noTouch = false
    /// `CLIENT REPLY OFF`: no replies until `CLIENT REPLY ON`.
    var repliesOff = false
    /// `CLIENT REPLY SKIP`: no reply to the next command.
    var skipNextReply = false
    /// The last command's name, for `CLIENT LIST`.
    var lastCommand = "NULL"
    /// Wall-clock milliseconds of the last command.
    var lastInteraction: Int64
}

/// A connection's ``ConnectionState`` by reference: its handler and the command it runs share
/// one, so that running a command copies none of the state.
final class ConnectionStateBox {
    /// The state; touched only on the connection's event loop, one access at a time (see
    /// ``ConnectionHandler``), so without dynamic exclusivity checks.
    @exclusivity(unchecked) var state: ConnectionState
    /// The strings table the connection resolved last, valid for ``stringsKey`` (its logical
    /// database and ``Daemon/databaseIdentity``): ``CommandContext/withStringTable(_:)`` lends
    /// it to every `GET` without touching the reference counts of objects all event loops share.
    @exclusivity(unchecked) var stringsKey: (database: Int, identity: UInt) = (-1, 0)
    @exclusivity(unchecked) var stringsTable: Unmanaged<CacheTable>?
    /// Owns what ``stringsTable`` lends.
    @exclusivity(unchecked) var stringsCache: Cache?

    /// A box holding `state`.
    init(_ state: ConnectionState) { self.state = state }
}
