/*
 * kiosk-mkcard — personalises a virtual ICAO 9303 card image (CCCD or
 * passport) from a profile JSON and a portrait JPEG. See docs/card-image.md.
 *
 * Exit status: 0 success, 1 failure, 2 usage or profile error. Errors are one
 * line on stderr and never contain personal data.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mkc_card.h"
#include "mkc_profile.h"
#include "mkc_util.h"

enum { EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: kiosk-mkcard --profile P.json --portrait FACE.jpg --out DIR\n"
    "                    [--dsc-key K.pem --dsc-cert C.pem]\n"
    "                    [--sig rsa|rsa-pss|ecdsa] [--hash sha1|sha224|sha256|sha384|sha512]\n"
    "                    [--aa rsa|ecdsa|none] [--ca ecdh|dh|none] [--ca-cipher C]\n"
    "                    [--pace ecdh-gm|dh-gm|ecdh-im|none] [--pace-cipher C] [--pace-param N]\n"
    "                    [--no-extended]\n"
    "       C is 3des|aes128|aes192|aes256 (default aes128); PACE defaults to\n"
    "       ecdh-gm for a cccd profile, none for a passport; N defaults to 13\n"
    "       (brainpoolP256r1) for ECDH, 2 (2048-bit MODP, 256-bit subgroup) for DH\n"
    "       kiosk-mkcard --print-qr DIR\n";

static int usage_error(const char *what, const char *arg)
{
    if (arg)
        fprintf(stderr, "kiosk-mkcard: %s: %s\n", what, arg);
    else
        fprintf(stderr, "kiosk-mkcard: %s\n", what);
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}

static int fail(ks_status st)
{
    const char *detail = mkc_last_error();
    if (detail[0])
        fprintf(stderr, "kiosk-mkcard: %s\n", detail);
    else
        fprintf(stderr, "kiosk-mkcard: %s\n", ks_status_str(st));
    return EXIT_FAIL;
}

/* Index of value in names[0..n), or -1. */
static int pick(const char *value, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(value, names[i]) == 0)
            return i;
    return -1;
}

/* A --pace-param value: a small decimal number (TR-03110 ids are 0..31). */
static bool parse_param_id(const char *v, int *out)
{
    size_t n = strlen(v);
    if (n == 0 || n > 2)
        return false;
    int value = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        value = value * 10 + (v[i] - '0');
    }
    *out = value;
    return true;
}

typedef struct cli {
    const char *profile;
    const char *print_qr_dir;
    mkc_options opt;
    bool sig_given;
} cli;

/* Parses argv into c; returns 0 or the usage exit code (message printed). */
static int parse_args(int argc, char **argv, cli *c)
{
    static const char *const sigs[] = {"rsa", "rsa-pss", "ecdsa"};
    static const char *const aas[] = {"none", "rsa", "ecdsa"};
    static const char *const cas[] = {"none", "ecdh", "dh"};
    /* Indexed like mkc_cipher (value = index + 1) and mkc_pace_alg below. */
    static const char *const ciphers[] = {"3des", "aes128", "aes192", "aes256"};
    static const char *const paces[] = {"none", "ecdh-gm", "dh-gm", "ecdh-im"};
    static const mkc_pace_alg pace_algs[] = {MKC_PACE_NONE, MKC_PACE_ECDH_GM, MKC_PACE_DH_GM,
                                             MKC_PACE_ECDH_IM};
    memset(c, 0, sizeof *c);
    mkc_options_default(&c->opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--no-extended") == 0) {
            c->opt.extended_length = false;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (i + 1 >= argc)
            return usage_error("missing value for", a);
        const char *v = argv[++i];
        int k;
        if (strcmp(a, "--profile") == 0) {
            c->profile = v;
        } else if (strcmp(a, "--portrait") == 0) {
            c->opt.portrait_path = v;
        } else if (strcmp(a, "--out") == 0) {
            c->opt.out_dir = v;
        } else if (strcmp(a, "--dsc-key") == 0) {
            c->opt.dsc_key_path = v;
        } else if (strcmp(a, "--dsc-cert") == 0) {
            c->opt.dsc_cert_path = v;
        } else if (strcmp(a, "--print-qr") == 0) {
            c->print_qr_dir = v;
        } else if (strcmp(a, "--hash") == 0) {
            if (!mkc_card_digest(v))
                return usage_error("unknown --hash", v);
            c->opt.hash = v;
        } else if (strcmp(a, "--sig") == 0) {
            if ((k = pick(v, sigs, 3)) < 0)
                return usage_error("unknown --sig", v);
            c->opt.sig = (mkc_sig_alg)k;
            c->sig_given = true;
        } else if (strcmp(a, "--aa") == 0) {
            if ((k = pick(v, aas, 3)) < 0)
                return usage_error("unknown --aa", v);
            c->opt.aa = (mkc_aa_alg)k;
        } else if (strcmp(a, "--ca") == 0) {
            if ((k = pick(v, cas, 3)) < 0)
                return usage_error("unknown --ca", v);
            c->opt.ca = (mkc_ca_alg)k;
        } else if (strcmp(a, "--ca-cipher") == 0) {
            if ((k = pick(v, ciphers, 4)) < 0)
                return usage_error("unknown --ca-cipher", v);
            c->opt.ca_cipher = (mkc_cipher)(k + 1);
        } else if (strcmp(a, "--pace") == 0) {
            if ((k = pick(v, paces, 4)) < 0)
                return usage_error("unknown --pace", v);
            c->opt.pace = pace_algs[k];
            c->opt.pace_by_profile = false;
        } else if (strcmp(a, "--pace-cipher") == 0) {
            if ((k = pick(v, ciphers, 4)) < 0)
                return usage_error("unknown --pace-cipher", v);
            c->opt.pace_cipher = (mkc_cipher)(k + 1);
        } else if (strcmp(a, "--pace-param") == 0) {
            if (!parse_param_id(v, &c->opt.pace_param))
                return usage_error("bad --pace-param", v);
        } else {
            return usage_error("unknown option", a);
        }
    }
    if (c->print_qr_dir)
        return 0;
    if (!c->profile || !c->opt.portrait_path || !c->opt.out_dir)
        return usage_error("--profile, --portrait and --out are required", NULL);
    if ((!c->opt.dsc_key_path) != (!c->opt.dsc_cert_path))
        return usage_error("--dsc-key and --dsc-cert go together", NULL);
    return 0;
}

/* A given DSC decides the signature kind unless --sig says otherwise. */
static void sig_from_dsc_key(cli *c)
{
    if (c->sig_given || !c->opt.dsc_key_path)
        return;
    mkc_signer s;
    if (mkc_cert_load(c->opt.dsc_key_path, c->opt.dsc_cert_path, &s) != KS_OK) {
        mkc_clear_error(); /* the build reports it properly */
        return;
    }
    if (EVP_PKEY_is_a(s.dsc_key, "EC"))
        c->opt.sig = MKC_SIG_ECDSA;
    else if (EVP_PKEY_is_a(s.dsc_key, "RSA-PSS"))
        c->opt.sig = MKC_SIG_RSA_PSS;
    mkc_signer_free(&s);
}

int main(int argc, char **argv)
{
    cli c;
    int rc = parse_args(argc, argv, &c);
    if (rc == -1)
        return 0;
    if (rc != 0)
        return rc;

    if (c.print_qr_dir) {
        ks_status st = mkc_card_print_qr(c.print_qr_dir, stdout);
        return st == KS_OK ? 0 : fail(st);
    }

    static mkc_profile profile; /* large: keep it off the stack */
    ks_status st = mkc_profile_load(c.profile, &profile);
    if (st == KS_ERR_NOT_FOUND || st == KS_ERR_MALFORMED) {
        fprintf(stderr, "kiosk-mkcard: %s\n", mkc_last_error());
        return EXIT_USAGE;
    }
    if (st != KS_OK)
        return fail(st);

    /* A PACE parameter id that does not fit the key agreement is a usage error. */
    if (mkc_options_resolve(&c.opt, &profile) != KS_OK)
        return usage_error(mkc_last_error(), NULL);
    sig_from_dsc_key(&c);
    st = mkc_card_build(&c.opt, &profile);
    return st == KS_OK ? 0 : fail(st);
}
