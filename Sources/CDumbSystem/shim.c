#define _GNU_SOURCE
#include "CDumbSystem.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/capability.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int dumb_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
int dumb_get_no_new_privs(void) { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); }
int dumb_drop_bounding_capability(int capability) { return prctl(PR_CAPBSET_DROP, capability, 0, 0, 0); }
int dumb_read_bounding_capability(int capability) { return prctl(PR_CAPBSET_READ, capability, 0, 0, 0); }

int dumb_allowed_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    return CPU_COUNT(&set);
}

int dumb_allowed_cpus(int *cpus, int capacity) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    int count = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && count < capacity; cpu++) {
        if (CPU_ISSET(cpu, &set)) cpus[count++] = cpu;
    }
    return count;
}

static volatile sig_atomic_t stop_signal = 0;
static volatile int stop_wake_fd = -1;
static char stop_exit_message[256];
static volatile int stop_exit_message_length = -1;

static void on_stop_signal(int signal) {
    int saved = errno;  // a handler must leave errno as it found it
    stop_signal = signal;
    if (stop_exit_message_length >= 0) {
        // Exiting here leaves no window in which the signal is noted but a blocking call
        // that started just after it sleeps on. The kernel closes every socket.
        ssize_t ignored = write(2, stop_exit_message, (size_t)stop_exit_message_length);
        (void)ignored;
        _exit(0);
    }
    if (stop_wake_fd >= 0) {
        uint64_t one = 1;
        ssize_t ignored = write(stop_wake_fd, &one, sizeof(one));
        (void)ignored;
    }
    errno = saved;
}

int dumb_install_stop_handler(int wake_fd, const char *exit_message) {
    stop_wake_fd = wake_fd;
    if (exit_message != NULL) {
        size_t length = strlen(exit_message);
        if (length >= sizeof(stop_exit_message)) length = sizeof(stop_exit_message) - 1;
        memcpy(stop_exit_message, exit_message, length);
        stop_exit_message_length = (int)length;
    }
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the receiving thread's blocking call returns EINTR
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    if (sigaction(SIGTERM, &action, NULL) != 0) return -1;
    // a blocked signal mask survives execve: a parent that blocked them must not silence us
    return dumb_mask_stop_signals(SIG_UNBLOCK, NULL);
}

int dumb_stop_signal(void) { return stop_signal; }

int dumb_mask_stop_signals(int how, sigset_t *previous) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return pthread_sigmask(how, &set, previous);
}

int dumb_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

void dumb_fd_zero(fd_set *set) { FD_ZERO(set); }
void dumb_fd_set(int fd, fd_set *set) { FD_SET(fd, set); }
int dumb_fd_isset(int fd, const fd_set *set) { return FD_ISSET(fd, set); }
int dumb_fd_setsize(void) { return FD_SETSIZE; }

int dumb_pidfd_open(int pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/// The child's report of a failed step: which, and its errno.
struct spawn_failure {
    int step;
    int error;
};

static void spawn_fail(int report_fd, int step) {
    struct spawn_failure failure = {step, errno};
    ssize_t ignored = write(report_fd, &failure, sizeof(failure));
    (void)ignored;
    _exit(127);
}

/// The child's side: every call here is async-signal-safe (the parent may have threads).
static void spawn_child(const struct dumb_spawn_request *request, int report_fd) {
    // none of the launcher's descriptors reaches the program: those the steps below use
    // are closed at execve too
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    // execve keeps ignored signals ignored: the program gets the defaults
    struct sigaction defaults;
    memset(&defaults, 0, sizeof(defaults));
    defaults.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &defaults, NULL);
    sigaction(SIGINT, &defaults, NULL);
    sigaction(SIGTERM, &defaults, NULL);
    if (request->new_process_group && setpgid(0, 0) != 0) spawn_fail(report_fd, DUMB_SPAWN_FORK);
    if (request->stdout_fd >= 0 && dup2(request->stdout_fd, 1) < 0) spawn_fail(report_fd, DUMB_SPAWN_FORK);
    if (request->stderr_fd >= 0 && dup2(request->stderr_fd, 2) < 0) spawn_fail(report_fd, DUMB_SPAWN_FORK);
    for (int index = 0; index < request->join_count; index++) {
        if (write(request->join_fds[index], "0", 1) != 1) spawn_fail(report_fd, DUMB_SPAWN_CGROUP);
    }
    if (request->nofile >= 0) {
        struct rlimit limit = {(rlim_t)request->nofile, (rlim_t)request->nofile};
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) spawn_fail(report_fd, DUMB_SPAWN_NOFILE);
    }
    if (request->cpu_count > 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (int index = 0; index < request->cpu_count; index++) CPU_SET(request->cpus[index], &set);
        if (sched_setaffinity(0, sizeof(set), &set) != 0) spawn_fail(report_fd, DUMB_SPAWN_AFFINITY);
    }
    if (request->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        spawn_fail(report_fd, DUMB_SPAWN_NO_NEW_PRIVS);
    }
    if (request->drop_bounding) {
        for (int capability = 0; prctl(PR_CAPBSET_READ, capability, 0, 0, 0) >= 0; capability++) {
            if (prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0) spawn_fail(report_fd, DUMB_SPAWN_BOUNDING);
        }
        // no ambient capabilities either (EINVAL: a kernel without them)
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
            spawn_fail(report_fd, DUMB_SPAWN_BOUNDING);
        }
    }
    if (request->capabilities != NULL && cap_set_proc((cap_t)request->capabilities) != 0) {
        spawn_fail(report_fd, DUMB_SPAWN_CAPABILITIES);
    }
    execve(request->path, request->argv, request->envp);
    spawn_fail(report_fd, DUMB_SPAWN_EXEC);
}

int dumb_spawn(const struct dumb_spawn_request *request, int *failed_step) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *failed_step = DUMB_SPAWN_FORK;
        return -1;
    }
    pid_t child = fork();
    if (child < 0) {
        int error = errno;
        close(report[0]);
        close(report[1]);
        *failed_step = DUMB_SPAWN_FORK;
        errno = error;
        return -1;
    }
    if (child == 0) {
        close(report[0]);
        spawn_child(request, report[1]);
    }
    close(report[1]);
    // the write end closes at execve (O_CLOEXEC): no bytes means the program runs
    struct spawn_failure failure;
    ssize_t count;
    do {
        count = read(report[0], &failure, sizeof(failure));
    } while (count < 0 && errno == EINTR);
    close(report[0]);
    if (count == (ssize_t)sizeof(failure)) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        *failed_step = failure.step;
        errno = failure.error;
        return -1;
    }
    return child;
}
