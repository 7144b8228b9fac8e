import CDumbSystem
import Glibc

/// Clocks, sleeping, CPUs and limits.
public enum SystemClock {
    /// CLOCK_MONOTONIC in nanoseconds.
    @inline(__always)
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// A (non-negative) `Duration` in whole nanoseconds, the unit of ``now()``.
    public static func nanoseconds(_ duration: Duration) -> UInt64 {
        UInt64(duration.components.seconds) * 1_000_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000)
    }

    /// Blocks the calling thread for `milliseconds`. A stop signal cuts it short with
    /// ``StopRequested``; any other interruption resumes the sleep.
    public static func sleep(milliseconds: UInt64) throws {
        try sleep(until: deadline(afterMilliseconds: milliseconds, from: now()))
    }

    /// Blocks the calling thread until ``now()`` reaches `deadline`. A stop signal cuts it
    /// short with ``StopRequested``; any other interruption resumes the sleep.
    public static func sleep(until deadline: UInt64) throws {
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while true {
            let status = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil)
            if status == 0 { return }
            if status == EINTR {
                if let stop = StopSignal.pending { throw stop }
                continue
            }
            throw SystemError("clock_nanosleep", errno: status)
        }
    }

    /// `milliseconds` after `now`, saturating at the end of the clock (`WAIT` takes any
    /// 64-bit count).
    public static func deadline(afterMilliseconds milliseconds: UInt64, from now: UInt64) -> UInt64 {
        let (nanoseconds, tooLong) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
        let (deadline, tooLate) = now.addingReportingOverflow(nanoseconds)
        return tooLong || tooLate ? UInt64.max : deadline
    }

    /// How long an event loop may sleep (epoll_wait, poll) to wake at `deadline`: -1 (no
    /// limit) without one, 0 once it is due, else the time left rounded *up* to whole
    /// milliseconds. Rounding down would wake the loop just before the deadline, to find
    /// nothing due and sleep 0 ms until it is: a busy loop.
    public static func timeoutMilliseconds(until deadline: UInt64?, now: UInt64) -> Int32 {
        guard let deadline else { return -1 }
        guard deadline > now else { return 0 }
        return millisecondsRoundedUp(deadline - now)
    }

    /// `nanoseconds` in whole milliseconds, rounded up, at most `Int32.max`.
    public static func millisecondsRoundedUp(_ nanoseconds: UInt64) -> Int32 {
        Int32(clamping: nanoseconds / 1_000_000 + (nanoseconds % 1_000_000 == 0 ? 0 : 1))
    }
}
