// What Glibc's Swift module does not expose: the Linux event APIs, accept4, prctl,
// the CPU affinity mask, and a signal handler that is async-signal-safe because it is C.
#ifndef C_DUMB_SYSTEM_H
#define C_DUMB_SYSTEM_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <signal.h>
#include <spawn.h>

// Glibc is imported without _GNU_SOURCE, which hides accept4.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

/// prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0): prctl is variadic, so Swift cannot call it.
int dumb_set_no_new_privs(void);
/// prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0).
int dumb_get_no_new_privs(void);
/// prctl(PR_CAPBSET_DROP, cap): removes one capability from the bounding set.
int dumb_drop_bounding_capability(int capability);
/// prctl(PR_CAPBSET_READ, cap).
int dumb_read_bounding_capability(int capability);

/// The number of CPUs this process may run on (sched_getaffinity): a container's cpuset or
/// taskset's list, not the host's core count. Returns -1 and sets errno on failure.
int dumb_allowed_cpu_count(void);
/// Writes up to `capacity` CPU numbers this process may run on into `cpus`; returns how many.
int dumb_allowed_cpus(int *cpus, int capacity);

/// Installs SIGINT and SIGTERM handlers (without SA_RESTART, so a blocking call on the thread
/// that receives the signal returns EINTR). With an `exit_message`, the handler writes it to
/// stderr and exits with status 0 at once. Otherwise it records the signal and, when
/// `wake_fd` >= 0, writes 1 to it (an eventfd an event loop watches).
int dumb_install_stop_handler(int wake_fd, const char *exit_message);
/// The signal that asked the process to stop, or 0.
int dumb_stop_signal(void);
/// Blocks (how = SIG_BLOCK) or unblocks (SIG_UNBLOCK) SIGINT and SIGTERM for the calling
/// thread. Threads inherit the mask, so a server blocks them around pthread_create to keep
/// stop signals on its main thread. The mask before is stored in `previous` unless NULL.
int dumb_mask_stop_signals(int how, sigset_t *previous);

/// posix_spawn_file_actions_addclosefrom_np (a GNU extension Glibc's Swift module hides):
/// the child starts with descriptors from `lowest` up closed.
int dumb_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

/// What a child started by dumb_spawn is given before it executes its program. The child
/// does each step in this order, and the first that fails ends it before the program runs.
struct dumb_spawn_request {
    /// The program (an absolute path: the child does not search PATH), its arguments and its
    /// environment, each NULL-terminated.
    const char *path;
    char *const *argv;
    char *const *envp;
    /// Open descriptors of `cgroup.procs` files: the child writes "0" to each, which moves
    /// it into that cgroup before its program starts (nothing it allocates escapes the limit).
    const int *join_fds;
    int join_count;
    /// When >= 0, the soft and hard RLIMIT_NOFILE.
    long long nofile;
    /// When cpu_count > 0, the CPUs the child may run on.
    const int *cpus;
    int cpu_count;
    /// 1: put the child in a process group of its own (a terminal's Ctrl-C then reaches only
    /// the launcher, which forwards it once).
    int new_process_group;
    /// 1: set no_new_privs.
    int no_new_privs;
    /// 1: empty the bounding and ambient capability sets (needs CAP_SETPCAP).
    int drop_bounding;
    /// A libcap `cap_t` to set with cap_set_proc (an empty one drops every capability);
    /// NULL leaves them.
    void *capabilities;
    /// When >= 0, descriptors that become the child's standard output and error.
    int stdout_fd;
    int stderr_fd;
};

/// The step of dumb_spawn_request that failed.
enum dumb_spawn_step {
    DUMB_SPAWN_FORK = 1,
    DUMB_SPAWN_CGROUP,
    DUMB_SPAWN_NOFILE,
    DUMB_SPAWN_AFFINITY,
    DUMB_SPAWN_NO_NEW_PRIVS,
    DUMB_SPAWN_BOUNDING,
    DUMB_SPAWN_CAPABILITIES,
    DUMB_SPAWN_EXEC,
};

/// Forks a child that does what `request` says, then executes its program. Returns the
/// child's pid once the program runs, or -1 with errno set and `*failed_step` saying which
/// step failed (the child has been reaped then). Only async-signal-safe calls run in the
/// child, so it is safe from a process with threads.
int dumb_spawn(const struct dumb_spawn_request *request, int *failed_step);

/// pidfd_open(pid, 0): a descriptor that becomes readable when the process exits.
int dumb_pidfd_open(int pid);

/// The FD_SET family are macros; select servers need them as functions.
void dumb_fd_zero(fd_set *set);
void dumb_fd_set(int fd, fd_set *set);
int dumb_fd_isset(int fd, const fd_set *set);
int dumb_fd_setsize(void);

#endif
