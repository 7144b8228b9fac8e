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

/// The FD_SET family are macros; select servers need them as functions.
void dumb_fd_zero(fd_set *set);
void dumb_fd_set(int fd, fd_set *set);
int dumb_fd_isset(int fd, const fd_set *set);
int dumb_fd_setsize(void);

#endif
