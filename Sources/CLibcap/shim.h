// libcap (Debian libcap-dev): POSIX capabilities, read and dropped at server start.
#include <sys/capability.h>
