import DumbSystem
import Foundation
import Testing

@Suite struct LockedTests {
    @Test("four threads adding to one value lose no addition")
    func noLostUpdates() {
        let total = Locked(0)
        let done = DispatchGroup()
        for _ in 0..<4 {
            done.enter()
            Thread {
                for _ in 0..<100_000 { total.withLock { $0 += 1 } }
                done.leave()
            }.start()
        }
        done.wait()
        #expect(total.withLock { $0 } == 400_000)
    }

    @Test("what the body returns or throws comes out of withLock")
    func resultsAndErrors() {
        let names = Locked(["a"])
        #expect(
            names.withLock {
                $0.append("b")
                return $0.count
            } == 2)
        struct Refused: Error {}
        #expect(throws: Refused.self) { try names.withLock { _ in throw Refused() } }
        #expect(names.withLock { $0 } == ["a", "b"])
    }
}
