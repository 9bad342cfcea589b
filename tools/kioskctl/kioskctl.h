/*
 * kioskctl.h — the command-line tool's subcommands share these exit codes
 * (the `kioskctl read` contract in README.md).
 */
#ifndef KIOSKCTL_H
#define KIOSKCTL_H

enum {
    EXIT_GENUINE = 0,
    EXIT_NOT_GENUINE = 1,
    EXIT_USAGE = 2,
    EXIT_ACCESS_DENIED = 3,
    EXIT_READER_ERROR = 4
};

int cmd_read(int argc, char **argv);
int cmd_readers(int argc, char **argv);
int cmd_trust(int argc, char **argv);
int cmd_queue(int argc, char **argv);
/* kioskctl queue drain: uploads the queue (cmd_queue_drain.c). */
int queue_drain(int argc, char **argv);
int cmd_face_match(int argc, char **argv);
int cmd_liveness(int argc, char **argv);
int cmd_face_analyze(int argc, char **argv);

#endif
