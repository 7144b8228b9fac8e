#define _GNU_SOURCE
#include "CDumbSystem.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

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
