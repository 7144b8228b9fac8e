/// Where a run reports while it runs: a status line a second, and notes.
public protocol LoadProgress: AnyObject {
    func status(_ report: StatusReport)
    func note(_ text: String)
}
