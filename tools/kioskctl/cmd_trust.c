/*
 * kioskctl trust — manage the trust directory of Passive Authentication:
 * import a CSCA master list, an ICAO PKD LDIF file or a certificate / CRL,
 * and list the certificates it holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kioskctl.h"
#include "trust_import.h"

#define DEFAULT_TRUST_DIR "/var/lib/kiosk/trust"

static void trust_usage(FILE *to)
{
    fputs("usage: kioskctl trust import FILE [--trust DIR] [--signer-ca DIR] [--allow-unverified]\n"
          "                               [--dry-run]\n"
          "       kioskctl trust list [--trust DIR]\n"
          "FILE: a CSCA master list, an ICAO PKD LDIF file, or a PEM/DER certificate or CRL.\n"
          "  --trust DIR          trust directory (default: $KIOSK_TRUST_DIR, else "
          DEFAULT_TRUST_DIR ")\n"
          "  --signer-ca DIR      master list signers must chain to a CA certificate in DIR\n"
          "  --allow-unverified   accept a master list whose signer is not anchored\n"
          "                       (its signature must still verify)\n"
          "  --dry-run            check and count, write nothing\n"
          "exit status: 0 done, 1 import or listing failed, 2 usage\n",
          to);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "kioskctl trust: %s\n", msg);
    trust_usage(stderr);
    return EXIT_USAGE;
}

static const char *default_trust_dir(void)
{
    const char *env = getenv("KIOSK_TRUST_DIR");
    return env && env[0] ? env : DEFAULT_TRUST_DIR;
}

typedef struct trust_args {
    const char *trust_dir;
    const char *signer_ca;
    bool allow_unverified;
    bool dry_run;
    bool help;
    const char *positional[2];
    int n_positional;
} trust_args;

/* argv[0] is the action ("import" / "list"); 0 or a usage exit code. */
static int parse_args(int argc, char **argv, trust_args *a)
{
    static const struct option longopts[] = {
        {"trust", required_argument, NULL, 't'},
        {"signer-ca", required_argument, NULL, 's'},
        {"allow-unverified", no_argument, NULL, 'u'},
        {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->trust_dir = default_trust_dir();
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't': a->trust_dir = optarg; break;
        case 's': a->signer_ca = optarg; break;
        case 'u': a->allow_unverified = true; break;
        case 'n': a->dry_run = true; break;
        case 'h': a->help = true; break;
        default: return usage_error("unknown option or missing argument");
        }
    }
    for (int i = optind; i < argc; i++) {
        if (a->n_positional == 2)
            return usage_error("too many arguments");
        a->positional[a->n_positional++] = argv[i];
    }
    if (!a->trust_dir[0])
        return usage_error("--trust needs a directory");
    return 0;
}

static int do_import(const trust_args *a)
{
    if (a->n_positional != 1)
        return usage_error("import needs exactly one FILE");
    trust_import_options opts = {a->signer_ca, a->allow_unverified, a->dry_run};
    trust_import_result r;
    char err[512];
    ks_status st = trust_import_file(a->positional[0], a->trust_dir, &opts,
                                     &r, err, sizeof err);
    if (st != KS_OK) {
        fprintf(stderr, "kioskctl trust import: %s\n", err[0] ? err : ks_status_str(st));
        return 1;
    }
    printf("%s %zu certificate%s (%zu skipped: %zu already present, %zu not a CA), "
           "%zu CRL%s (%zu already present)\n",
           a->dry_run ? "would import" : "imported", r.certs_added,
           r.certs_added == 1 ? "" : "s", r.certs_skipped, r.certs_skipped - r.certs_not_ca,
           r.certs_not_ca, r.crls_added, r.crls_added == 1 ? "" : "s", r.crls_skipped);
    if (r.masterlists > 0)
        printf("master list%s: %zu, signer %s, %s\n", r.masterlists == 1 ? "" : "s",
               r.masterlists, r.signer[0] ? r.signer : "(unnamed)",
               r.signer_anchored ? "anchored in the signer CA directory"
                                 : "NOT anchored (accepted with --allow-unverified)");
    if (!a->dry_run)
        printf("trust directory: %s\n", a->trust_dir);
    return 0;
}

static void print_line(const char *line, void *ctx)
{
    size_t *n = ctx;
    puts(line);
    (*n)++;
}

static int do_list(const trust_args *a)
{
    if (a->n_positional != 0)
        return usage_error("list takes no arguments");
    size_t n = 0;
    ks_status st = trust_list(a->trust_dir, print_line, &n);
    if (st != KS_OK) {
        fprintf(stderr, "kioskctl trust list: %s: %s\n", a->trust_dir,
                st == KS_ERR_NOT_FOUND ? "no such directory" : ks_status_str(st));
        return 1;
    }
    fprintf(stderr, "%zu certificate%s in %s\n", n, n == 1 ? "" : "s", a->trust_dir);
    return 0;
}

int cmd_trust(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("missing action (import or list)");
    const char *action = argv[1];
    if (strcmp(action, "--help") == 0 || strcmp(action, "-h") == 0 ||
        strcmp(action, "help") == 0) {
        trust_usage(stdout);
        return 0;
    }
    trust_args a;
    int rc = parse_args(argc - 1, argv + 1, &a);
    if (rc != 0)
        return rc;
    if (a.help) {
        trust_usage(stdout);
        return 0;
    }
    if (strcmp(action, "import") == 0)
        return do_import(&a);
    if (strcmp(action, "list") == 0)
        return do_list(&a);
    return usage_error("unknown action (expected import or list)");
}
