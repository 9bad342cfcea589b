/* kioskctl — the kiosk's command-line tool: one subcommand per job. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "kioskctl.h"

static void usage(FILE *to)
{
    fputs("usage: kioskctl COMMAND [options]\n"
          "commands:\n"
          "  read      read and authenticate the ID card in a reader\n"
          "  readers   list the smart-card readers and whether they hold a card\n"
          "  trust     import CSCA master lists / PKD LDIF into the trust directory, list it\n"
          "  queue     the record queue: status, list, retry, purge, rekey, keygen, enqueue-sample, drain\n"
          "  face-match  compare the chip portrait with a photo of the holder\n"
          "  liveness  run the blink / head-turn challenge over recorded frames\n"
          "  face-analyze  faces, pose, quality and stage timings of photos\n"
          "run 'kioskctl COMMAND --help' for the options of a command\n",
          to);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    int rc = kconf_load("kioskctl");
    if (rc != 0)
        return rc;
    const char *cmd = argv[1];
    if (strcmp(cmd, "read") == 0)
        return cmd_read(argc - 1, argv + 1);
    if (strcmp(cmd, "readers") == 0)
        return cmd_readers(argc - 1, argv + 1);
    if (strcmp(cmd, "trust") == 0)
        return cmd_trust(argc - 1, argv + 1);
    if (strcmp(cmd, "queue") == 0)
        return cmd_queue(argc - 1, argv + 1);
    if (strcmp(cmd, "face-match") == 0)
        return cmd_face_match(argc - 1, argv + 1);
    if (strcmp(cmd, "liveness") == 0)
        return cmd_liveness(argc - 1, argv + 1);
    if (strcmp(cmd, "face-analyze") == 0)
        return cmd_face_analyze(argc - 1, argv + 1);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "kioskctl: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
