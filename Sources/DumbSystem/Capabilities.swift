import CDumbSystem
import CLibcap
import Glibc

/// POSIX capabilities through libcap: what the process may do beyond an ordinary user.
///
/// A server logs them at start and, once its sockets are bound, drops them all and sets
/// no_new_privs, so not one request is served with privileges. Capabilities and
/// no_new_privs belong to a thread and are inherited by the threads it starts: drop them on
/// the main thread before starting any other.
public enum Capabilities {
    /// The calling thread's capabilities in libcap's text form (`=ep` is all of them,
    /// `cap_net_bind_service=ep` one); `none` when empty.
    public static func current() -> String {
        guard let capabilities = cap_get_proc() else { return "unknown (cap_get_proc: \(errnoText()))" }
        defer { cap_free(UnsafeMutableRawPointer(capabilities)) }
        guard let text = cap_to_text(capabilities, nil) else { return "unknown (cap_to_text: \(errnoText()))" }
        defer { cap_free(UnsafeMutableRawPointer(text)) }
        let description = String(cString: text)
        return description == "=" ? "none" : description
    }

    /// Whether no_new_privs is set: execve can never grant privileges again.
    public static var noNewPrivileges: Bool { dumb_get_no_new_privs() == 1 }

    /// Drops every capability (effective, permitted, inheritable; the bounding set too when
    /// CAP_SETPCAP allows it) and sets no_new_privs.
    public static func dropAll() throws {
        if hasEffective(CAP_SETPCAP) {
            // the bounding set limits what any later execve could regain
            var capability: Int32 = 0
            while dumb_read_bounding_capability(capability) >= 0 {
                _ = dumb_drop_bounding_capability(capability)
                capability += 1
            }
        }
        guard let empty = cap_init() else { throw SystemError("cap_init", errno: errno) }
        defer { cap_free(UnsafeMutableRawPointer(empty)) }
        guard cap_set_proc(empty) == 0 else { throw SystemError("cap_set_proc", errno: errno) }
        guard dumb_set_no_new_privs() == 0 else { throw SystemError("prctl(PR_SET_NO_NEW_PRIVS)", errno: errno) }
    }

    /// Whether the calling thread holds `capability` in its effective set.
    public static func hasEffective(_ capability: cap_value_t) -> Bool {
        guard let capabilities = cap_get_proc() else { return false }
        defer { cap_free(UnsafeMutableRawPointer(capabilities)) }
        var value = CAP_CLEAR
        guard cap_get_flag(capabilities, capability, CAP_EFFECTIVE, &value) == 0 else { return false }
        return value == CAP_SET
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
