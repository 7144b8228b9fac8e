/// An event handler, as the Reactor pattern names it: it owns one handle (a descriptor) and
/// reacts when the reactor says the handle is ready. It never waits: it does what it can
/// and tells the reactor, through ``Reactor/setInterest(_:_:)``, what to wait for next.
protocol EventHandler: AnyObject {
    /// The handle this handler owns.
    var descriptor: Int32 { get }
    /// The handle is readable: data, a connection to accept, end of input, or an error.
    func handleRead()
    /// The handle is writable: room in the send buffer, or an error.
    func handleWrite()
    /// The handle failed (the peer reset the connection) while the handler waited for
    /// neither reading nor writing, e.g. for a timer. A handler that ever sets an empty
    /// interest must deregister here, or the failure comes back on every turn.
    func handleFailure()
}

extension EventHandler {
    func handleWrite() {}
    func handleFailure() {}
}
