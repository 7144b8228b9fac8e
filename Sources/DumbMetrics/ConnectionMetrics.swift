import DumbProtocol
import DumbSystem
import Prometheus

/// Where a server counts its connections, and its sessions their bytes and requests: the
/// server's totals (``ServerMetrics``) or one loop's share of them (``WorkerMetrics``). An event
/// loop that runs alone or as one of several takes either.
public protocol ConnectionMetrics: SessionObserver {
    func connectionAccepted()
    func connectionClosed()
}
