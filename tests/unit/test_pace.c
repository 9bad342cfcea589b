/*
 * PACE against ICAO Doc 9303-11 worked examples: Appendix G.1 (ECDH Generic
 * Mapping, brainpoolP256r1, AES-128) and G.2 (DH Generic Mapping, RFC 5114
 * 1024-bit MODP, AES-128), step by step and as a whole exchange over a
 * scripted card that checks every command byte for byte. A third transcript
 * (ECDH-GM with 3DES, recorded from a passport) covers the 3DES token MAC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "chan.h"
#include "kdf.h"
#include "pace.h"
#include "secinfo.h"
#include "sm.h"

#include "test_hex.h"

/* --- Appendix G.1 values ------------------------------------------------ */

#define G1_CARD_ACCESS "31143012060A04007F0007020204020202010202010D"
#define G1_OID "0.4.0.127.0.7.2.2.4.2.2"
#define G1_KPI "89DED1B26624EC1E634C1989302849DD"
#define G1_Z "95A3A016522EE98D01E76CB6B98B42C3"
#define G1_S "3F00C4D39D153F2B2A214A078D899B22"
#define G1_SK_MAP "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99"
#define G1_PK_MAP_IFD                                                                             \
    "047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"                          \
    "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D"
#define G1_PK_MAP_IC                                                                              \
    "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"                          \
    "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54"
#define G1_H                                                                                      \
    "0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5"                          \
    "0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181"
#define G1_GENERATOR                                                                              \
    "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2"                          \
    "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522"
#define G1_SK "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"
#define G1_PK_IFD                                                                                 \
    "042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"                          \
    "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462"
#define G1_PK_IC                                                                                  \
    "049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"                          \
    "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"
#define G1_SHARED "28768D20701247DAE81804C9E780EDE582A9996DB4A315020B2733197DB84925"
#define G1_KSENC "F5F0E35C0D7161EE6724EE513A0D9A7F"
#define G1_KSMAC "FE251C7858B356B24514B3BD5F4297D1"
#define G1_T_IFD "C2B0BD78D94BA866"
#define G1_T_IC "3ABB9674BCE93C08"

/* --- Appendix G.2 values (DH, parameter id 0) ------------------------- */

#define G2_OID "0.4.0.127.0.7.2.2.4.1.2"
#define G2_Z "854D8DF5827FA6852D1A4FA701CDDDCA"
#define G2_S "FA5B7E3E49753A0DB9178B7B9BD898C8"
#define G2_SK_MAP "5265030F751F4AD18B08AC565FC7AC952E41618D"
#define G2_PK_MAP_IFD                                                                             \
    "23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3E"                            \
    "B71C343DB13D1DEBCE9A3666DBCFC920B49174A602CB47965CAA73DC702489A4"                            \
    "4D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022D"                            \
    "CB4F57FAD6322497D7A1E28D46710F461AFE710FBBBC5F8BA166F4311975EC6C"
#define G2_PK_MAP_IC                                                                              \
    "78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E6"                            \
    "23EA5738B26381E4DA19E004706FACE7B235C2DBF2F38748312F3C98C2DD4882"                            \
    "A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F24"                            \
    "49400306254C8AE8EE9DD812A804C0B66E8CAFC14F84D8258950A91B44126EE6"
#define G2_GENERATOR                                                                              \
    "7C9CBFE98F9FBDDA8D143506FA7D9306F4CB17E3C71707AFF5E1C1A123702496"                            \
    "84D64EE37AF44B8DBD9D45BF6023919CBAA027AB97ACC771666C8E98FF483301"                            \
    "BFA4872DEDE9034EDFACB70814166B7F360676829B826BEA57291B5AD69FBC84"                            \
    "EF1E779032A305803F74341793E869742D401325B37EE8565FFCDEE618342DC5"
#define G2_SK "89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA"
#define G2_PK_IFD                                                                                 \
    "907D89E2D425A178AA81AF4A7774EC8E388C115CAE67031E85EECE520BD91155"                            \
    "1B9AE4D04369F29A02626C86FBC6747CC7BC352645B6161A2A42D44EDA80A08F"                            \
    "A8D61B76D3A154AD8A5A51786B0BC07147057871A922212C5F67F43173172236"                            \
    "B7747D1671E6D692A3C7D40A0C3C5CE397545D015C175EB5130551EDBC2EE5D4"
#define G2_PK_IC                                                                                  \
    "075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152B"                            \
    "D8B3A213F53820C42ADC79AB5D0AEEC3AEFB91394DA476BD97B9B14D0A65C1FC"                            \
    "71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064"                            \
    "386CD456743585F8E5D90CC8B4004B1F6D866C79CE0584E49687FF61BC29AEA1"
#define G2_KSENC "2F7F46ADCC9E7E521B45D192FAFA9126"
#define G2_KSMAC "805A1D27D45A5116F73C54469462B7D8"
#define G2_T_IFD "B46DD9BD4D98381F"
#define G2_T_IC "917F37B5C0E6D8D1"

/* --- a scripted card ----------------------------------------------------- */

typedef struct step {
    const char *command;  /* hex, compared byte for byte */
    const char *response; /* hex, data + SW */
} step;

typedef struct script_transport {
    transport base;
    const step *steps;
    size_t n_steps, at;
} script_transport;

static ks_status script_transmit(transport *t, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
                                 size_t resp_cap, size_t *resp_len)
{
    script_transport *s = (script_transport *)t;
    assert_true(s->at < s->n_steps);
    const step *st = &s->steps[s->at++];
    HEX(want, st->command);
    assert_int_equal(cmd_len, want_len);
    assert_memory_equal(cmd, want, want_len);
    HEX(answer, st->response);
    assert_true(answer_len <= resp_cap);
    memcpy(resp, answer, answer_len);
    *resp_len = answer_len;
    return KS_OK;
}

static ks_status script_atr(transport *t, uint8_t *out, size_t cap, size_t *len)
{
    (void)t, (void)out, (void)cap;
    *len = 0;
    return KS_ERR_NOT_FOUND;
}

static ks_status script_caps(transport *t, transport_caps *out)
{
    (void)t;
    out->max_command = 261;
    out->max_response = 258;
    out->extended_length = false;
    return KS_OK;
}

static ks_status script_present(transport *t)
{
    (void)t;
    return KS_OK;
}

static void script_close(transport *t)
{
    (void)t;
}

static const struct transport_ops SCRIPT_OPS = {script_transmit, script_atr, script_caps,
                                                script_present, script_close};

/* Injected host keys, as the appendix chose them. */
typedef struct fixed_keys {
    const char *hex[2];
} fixed_keys;

static ks_status fixed_keygen(void *arg, unsigned which, uint8_t *sk, size_t cap, size_t *len)
{
    fixed_keys *k = arg;
    assert_true(which < 2);
    *len = unhex(k->hex[which], sk, cap);
    return KS_OK;
}

typedef struct run_result {
    ks_status st;
    sm_ctx sm;
    char err[160];
    size_t steps_used;
} run_result;

static run_result run_script(const char *card_access, const step *steps, size_t n_steps,
                             fixed_keys *keys, const uint8_t *pw, size_t pw_len,
                             pace_password_kind kind)
{
    script_transport t = {.base = {.ops = &SCRIPT_OPS}, .steps = steps, .n_steps = n_steps};
    chan c;
    assert_int_equal(chan_init(&c, &t.base), KS_OK);
    HEX(ca, card_access);
    secinfo_set set;
    assert_int_equal(secinfo_parse(ca, ca_len, &set), KS_OK);
    const secinfo_pace *which = secinfo_best_pace(&set);
    assert_non_null(which);
    pace_set_keygen_hook(fixed_keygen, keys);
    run_result r;
    memset(&r, 0, sizeof r);
    r.st = pace_run(&c, &set, which, kind, pw, pw_len, &r.sm, r.err, sizeof r.err);
    pace_set_keygen_hook(NULL, NULL);
    r.steps_used = t.at;
    chan_free(&c);
    return r;
}

static void g1_password(uint8_t pw[20])
{
    assert_int_equal(pace_mrz_password("T22000129", "640812", "101031", pw), KS_OK);
}

/* --- G.1 step by step ------------------------------------------------- */

static void mrz_password_matches_appendix_g(void **state)
{
    (void)state;
    HEX(want, "7E2D2A41C74EA0B38CD36F863939BFA8E9032AAD");
    uint8_t pw[20];
    g1_password(pw);
    assert_memory_equal(pw, want, 20);
    HEX(kpi, G1_KPI);
    uint8_t k[16];
    assert_int_equal(kdf_derive(KS_CIPHER_AES128, pw, 20, KDF_PACE, k), KS_OK);
    assert_memory_equal(k, kpi, 16);
    assert_int_equal(pace_mrz_password("T2200012", "6408", "101031", pw), KS_ERR_ARG);
    assert_int_equal(pace_mrz_password("T22000129", "64O812", "101031", pw), KS_ERR_ARG);
}

static void nonce_decrypts_as_in_appendix_g1(void **state)
{
    (void)state;
    uint8_t pw[20], s[16];
    g1_password(pw);
    HEX(z, G1_Z);
    HEX(want, G1_S);
    assert_int_equal(pace_decrypt_nonce(KS_CIPHER_AES128, pw, 20, z, z_len, s), KS_OK);
    assert_memory_equal(s, want, 16);
    assert_int_equal(pace_decrypt_nonce(KS_CIPHER_AES128, pw, 20, z, 15, s), KS_ERR_ARG);
}

static void ecdh_generic_mapping_matches_appendix_g1(void **state)
{
    (void)state;
    HEX(sk_map, G1_SK_MAP);
    HEX(pk_map_ifd, G1_PK_MAP_IFD);
    HEX(pk_map_ic, G1_PK_MAP_IC);
    HEX(s, G1_S);
    HEX(h_want, G1_H);
    HEX(g_want, G1_GENERATOR);
    uint8_t out[200], h[200], g[200];
    size_t n = 0;
    assert_int_equal(pace_public_key(13, NULL, 0, sk_map, sk_map_len, out, sizeof out, &n), KS_OK);
    assert_int_equal(n, pk_map_ifd_len);
    assert_memory_equal(out, pk_map_ifd, n);
    assert_int_equal(pace_gm_map(13, s, s_len, sk_map, sk_map_len, pk_map_ic, pk_map_ic_len, h, g,
                                 sizeof g, &n),
                     KS_OK);
    assert_int_equal(n, 65);
    assert_memory_equal(h, h_want, 65);
    assert_memory_equal(g, g_want, 65);
}

static void ecdh_key_agreement_matches_appendix_g1(void **state)
{
    (void)state;
    HEX(gen, G1_GENERATOR);
    HEX(sk, G1_SK);
    HEX(pk_ifd, G1_PK_IFD);
    HEX(pk_ic, G1_PK_IC);
    HEX(shared_want, G1_SHARED);
    HEX(ksenc, G1_KSENC);
    HEX(ksmac, G1_KSMAC);
    uint8_t out[200], k[16];
    size_t n = 0;
    assert_int_equal(pace_public_key(13, gen, gen_len, sk, sk_len, out, sizeof out, &n), KS_OK);
    assert_int_equal(n, 65);
    assert_memory_equal(out, pk_ifd, 65);
    assert_int_equal(pace_shared_secret(13, sk, sk_len, pk_ic, pk_ic_len, out, sizeof out, &n),
                     KS_OK);
    assert_int_equal(n, 32);
    assert_memory_equal(out, shared_want, 32);
    assert_int_equal(kdf_derive(KS_CIPHER_AES128, out, n, KDF_ENC, k), KS_OK);
    assert_memory_equal(k, ksenc, 16);
    assert_int_equal(kdf_derive(KS_CIPHER_AES128, out, n, KDF_MAC, k), KS_OK);
    assert_memory_equal(k, ksmac, 16);
}

static void tokens_match_appendix_g1(void **state)
{
    (void)state;
    secinfo_pace which = {.oid = G1_OID, .version = 2, .parameter_id = 13,
                          .ka = SECINFO_KA_ECDH, .mapping = SECINFO_MAP_GM,
                          .cipher = KS_CIPHER_AES128};
    HEX(ksmac, G1_KSMAC);
    HEX(pk_ifd, G1_PK_IFD);
    HEX(pk_ic, G1_PK_IC);
    HEX(t_ifd, G1_T_IFD);
    HEX(t_ic, G1_T_IC);
    uint8_t t[8];
    assert_int_equal(pace_auth_token(&which, ksmac, pk_ic, pk_ic_len, t), KS_OK);
    assert_memory_equal(t, t_ifd, 8);
    assert_int_equal(pace_auth_token(&which, ksmac, pk_ifd, pk_ifd_len, t), KS_OK);
    assert_memory_equal(t, t_ic, 8);
}

static void invalid_chip_points_are_refused(void **state)
{
    (void)state;
    HEX(sk, G1_SK);
    HEX(pk, G1_PK_IC);
    uint8_t out[200];
    size_t n = 0;
    pk[64] ^= 1; /* off the curve */
    assert_int_equal(pace_shared_secret(13, sk, sk_len, pk, pk_len, out, sizeof out, &n),
                     KS_ERR_MALFORMED);
    pk[64] ^= 1;
    pk[0] = 0x02; /* compressed form is not what 9303 sends */
    assert_int_equal(pace_shared_secret(13, sk, sk_len, pk, pk_len, out, sizeof out, &n),
                     KS_ERR_MALFORMED);
    assert_int_equal(pace_shared_secret(13, sk, sk_len, pk, 33, out, sizeof out, &n),
                     KS_ERR_MALFORMED);
    assert_int_equal(pace_shared_secret(99, sk, sk_len, pk, pk_len, out, sizeof out, &n),
                     KS_ERR_UNSUPPORTED);
}

/* --- G.1 as a whole exchange ------------------------------------------ */

#define G1_MSE "0022C1A40F800A04007F00070202040202830101"
#define G1_GA1 "10860000027C0000"
#define G1_GA2 "10860000457C438141" G1_PK_MAP_IFD "00"
#define G1_GA3 "10860000457C438341" G1_PK_IFD "00"
#define G1_GA4 "008600000C7C0A8508" G1_T_IFD "00"

static const step G1_STEPS[] = {
    {G1_MSE, "9000"},
    {G1_GA1, "7C128010" G1_Z "9000"},
    {G1_GA2, "7C438241" G1_PK_MAP_IC "9000"},
    {G1_GA3, "7C438441" G1_PK_IC "9000"},
    {G1_GA4, "7C0A8608" G1_T_IC "9000"},
};

static void pace_run_reproduces_appendix_g1_exchange(void **state)
{
    (void)state;
    fixed_keys keys = {{G1_SK_MAP, G1_SK}};
    uint8_t pw[20];
    g1_password(pw);
    run_result r = run_script(G1_CARD_ACCESS, G1_STEPS, 5, &keys, pw, 20, PACE_PW_MRZ);
    assert_int_equal(r.st, KS_OK);
    assert_int_equal(r.steps_used, 5);
    HEX(ksenc, G1_KSENC);
    HEX(ksmac, G1_KSMAC);
    assert_int_equal(r.sm.cipher, KS_CIPHER_AES128);
    assert_memory_equal(r.sm.k_enc, ksenc, 16);
    assert_memory_equal(r.sm.k_mac, ksmac, 16);
    static const uint8_t zero[16];
    assert_memory_equal(r.sm.ssc, zero, 16);
    sm_clear(&r.sm);
}

static void wrong_chip_token_is_an_auth_error(void **state)
{
    (void)state;
    step steps[5];
    memcpy(steps, G1_STEPS, sizeof steps);
    steps[4].response = "7C0A8608" "3ABB9674BCE93C09" "9000";
    fixed_keys keys = {{G1_SK_MAP, G1_SK}};
    uint8_t pw[20];
    g1_password(pw);
    run_result r = run_script(G1_CARD_ACCESS, steps, 5, &keys, pw, 20, PACE_PW_MRZ);
    assert_int_equal(r.st, KS_ERR_AUTH);
    assert_true(strstr(r.err, "token") != NULL);
    static const uint8_t zero[32];
    assert_memory_equal(r.sm.k_enc, zero, 32); /* nothing handed out */
}

static void chip_refusing_the_token_is_an_access_error(void **state)
{
    (void)state;
    step steps[5];
    memcpy(steps, G1_STEPS, sizeof steps);
    steps[4].response = "6300";
    fixed_keys keys = {{G1_SK_MAP, G1_SK}};
    uint8_t pw[20];
    g1_password(pw);
    run_result r = run_script(G1_CARD_ACCESS, steps, 5, &keys, pw, 20, PACE_PW_MRZ);
    assert_int_equal(r.st, KS_ERR_ACCESS);
    steps[4].response = "6982";
    r = run_script(G1_CARD_ACCESS, steps, 5, &keys, pw, 20, PACE_PW_MRZ);
    assert_int_equal(r.st, KS_ERR_ACCESS);
}

static void mse_refusal_is_a_card_error(void **state)
{
    (void)state;
    static const step steps[] = {{G1_MSE, "6A80"}};
    fixed_keys keys = {{G1_SK_MAP, G1_SK}};
    uint8_t pw[20];
    g1_password(pw);
    run_result r = run_script(G1_CARD_ACCESS, steps, 1, &keys, pw, 20, PACE_PW_MRZ);
    assert_int_equal(r.st, KS_ERR_CARD);
    assert_int_equal(r.steps_used, 1);
}

static void chip_echoing_the_terminal_key_is_refused(void **state)
{
    (void)state;
    step steps[4];
    memcpy(steps, G1_STEPS, sizeof steps);
    steps[3].response = "7C438441" G1_PK_IFD "9000";
    fixed_keys keys = {{G1_SK_MAP, G1_SK}};
    uint8_t pw[20];
    g1_password(pw);
    run_result r = run_script(G1_CARD_ACCESS, steps, 4, &keys, pw, 20, PACE_PW_MRZ);
    assert_int_equal(r.st, KS_ERR_AUTH);
    assert_int_equal(r.steps_used, 4);
}

static void malformed_chip_answers_are_refused(void **state)
{
    (void)state;
    fixed_keys keys = {{G1_SK_MAP, G1_SK}};
    uint8_t pw[20];
    g1_password(pw);
    static const char *bad_nonce[] = {
        "9000",                                    /* no data */
        "7C10801095A3A016522EE98D01E76CB6B98B42C39000", /* 7C too short */
        "7C11800F" "95A3A016522EE98D01E76CB6B98B42" "9000", /* 15-byte nonce */
        "7C128110" G1_Z "9000",                    /* wrong tag */
    };
    for (size_t i = 0; i < sizeof bad_nonce / sizeof bad_nonce[0]; i++) {
        step steps[2] = {G1_STEPS[0], {G1_GA1, bad_nonce[i]}};
        run_result r = run_script(G1_CARD_ACCESS, steps, 2, &keys, pw, 20, PACE_PW_MRZ);
        assert_int_equal(r.st, KS_ERR_MALFORMED);
    }
    /* A mapping key off the curve. */
    step steps[3] = {G1_STEPS[0], G1_STEPS[1],
                     {G1_GA2, "7C438241"
                              "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
                              "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C55"
                              "9000"}};
    run_result r = run_script(G1_CARD_ACCESS, steps, 3, &keys, pw, 20, PACE_PW_MRZ);
    assert_int_equal(r.st, KS_ERR_MALFORMED);
}

static void parameter_id_is_sent_when_the_card_offers_several(void **state)
{
    (void)state;
    /* Two PACEInfos on different curves: the MSE must name parameter 13. */
    step steps[5];
    memcpy(steps, G1_STEPS, sizeof steps);
    steps[0].command = "0022C1A412800A04007F0007020204020283010184010D";
    fixed_keys keys = {{G1_SK_MAP, G1_SK}};
    uint8_t pw[20];
    g1_password(pw);
    run_result r = run_script("3128"
                              "3012060A04007F0007020204020202010202010D"
                              "3012060A04007F00070202040201020102020108",
                              steps, 5, &keys, pw, 20, PACE_PW_MRZ);
    assert_int_equal(r.st, KS_OK);
    sm_clear(&r.sm);
}

static void unsupported_mapping_is_reported(void **state)
{
    (void)state;
    secinfo_pace im = {.oid = "0.4.0.127.0.7.2.2.4.4.2", .version = 2, .parameter_id = 13,
                       .ka = SECINFO_KA_ECDH, .mapping = SECINFO_MAP_IM,
                       .cipher = KS_CIPHER_AES128};
    script_transport t = {.base = {.ops = &SCRIPT_OPS}, .steps = NULL, .n_steps = 0};
    chan c;
    assert_int_equal(chan_init(&c, &t.base), KS_OK);
    sm_ctx sm;
    char err[128];
    uint8_t pw[20] = {0};
    assert_int_equal(pace_run(&c, NULL, &im, PACE_PW_MRZ, pw, 20, &sm, err, sizeof err),
                     KS_ERR_UNSUPPORTED);
    assert_true(err[0] != '\0');
    assert_int_equal(t.at, 0);
    chan_free(&c);
}

/* --- G.2: DH generic mapping ------------------------------------------ */

static void dh_generic_mapping_matches_appendix_g2(void **state)
{
    (void)state;
    uint8_t pw[20], s[16], out[300], g[300];
    size_t n = 0;
    g1_password(pw);
    HEX(z, G2_Z);
    HEX(s_want, G2_S);
    assert_int_equal(pace_decrypt_nonce(KS_CIPHER_AES128, pw, 20, z, z_len, s), KS_OK);
    assert_memory_equal(s, s_want, 16);
    HEX(sk_map, G2_SK_MAP);
    HEX(pk_map_ifd, G2_PK_MAP_IFD);
    HEX(pk_map_ic, G2_PK_MAP_IC);
    HEX(gen, G2_GENERATOR);
    assert_int_equal(pace_public_key(0, NULL, 0, sk_map, sk_map_len, out, sizeof out, &n), KS_OK);
    assert_int_equal(n, 128);
    assert_memory_equal(out, pk_map_ifd, 128);
    assert_int_equal(
        pace_gm_map(0, s, 16, sk_map, sk_map_len, pk_map_ic, pk_map_ic_len, NULL, g, sizeof g, &n),
        KS_OK);
    assert_int_equal(n, 128);
    assert_memory_equal(g, gen, 128);
    HEX(sk, G2_SK);
    HEX(pk_ifd, G2_PK_IFD);
    HEX(pk_ic, G2_PK_IC);
    assert_int_equal(pace_public_key(0, gen, gen_len, sk, sk_len, out, sizeof out, &n), KS_OK);
    assert_memory_equal(out, pk_ifd, 128);
    assert_int_equal(pace_shared_secret(0, sk, sk_len, pk_ic, pk_ic_len, out, sizeof out, &n),
                     KS_OK);
    assert_int_equal(n, 128);
    HEX(ksenc, G2_KSENC);
    HEX(ksmac, G2_KSMAC);
    uint8_t k[16];
    assert_int_equal(kdf_derive(KS_CIPHER_AES128, out, n, KDF_ENC, k), KS_OK);
    assert_memory_equal(k, ksenc, 16);
    assert_int_equal(kdf_derive(KS_CIPHER_AES128, out, n, KDF_MAC, k), KS_OK);
    assert_memory_equal(k, ksmac, 16);
}

static void dh_keys_outside_the_subgroup_are_refused(void **state)
{
    (void)state;
    HEX(sk, G2_SK);
    uint8_t one[128] = {0}, out[300];
    size_t n = 0;
    one[127] = 1;
    assert_int_equal(pace_shared_secret(0, sk, sk_len, one, 128, out, sizeof out, &n),
                     KS_ERR_MALFORMED);
    HEX(pk_ic, G2_PK_IC);
    pk_ic[127] ^= 1; /* almost surely not of order q */
    assert_int_equal(pace_shared_secret(0, sk, sk_len, pk_ic, pk_ic_len, out, sizeof out, &n),
                     KS_ERR_MALFORMED);
}

static const step G2_STEPS[] = {
    {"0022C1A40F800A04007F00070202040102830101", "9000"},
    {"10860000027C0000", "7C128010" G2_Z "9000"},
    {"10860000867C8183818180" G2_PK_MAP_IFD "00", "7C8183828180" G2_PK_MAP_IC "9000"},
    {"10860000867C8183838180" G2_PK_IFD "00", "7C8183848180" G2_PK_IC "9000"},
    {"008600000C7C0A8508" G2_T_IFD "00", "7C0A8608" G2_T_IC "9000"},
};

static void pace_run_reproduces_appendix_g2_exchange(void **state)
{
    (void)state;
    fixed_keys keys = {{G2_SK_MAP, G2_SK}};
    uint8_t pw[20];
    g1_password(pw);
    run_result r = run_script("3114" "3012060A04007F00070202040102020102020100", G2_STEPS, 5,
                              &keys, pw, 20, PACE_PW_MRZ);
    assert_int_equal(r.st, KS_OK);
    HEX(ksenc, G2_KSENC);
    HEX(ksmac, G2_KSMAC);
    assert_memory_equal(r.sm.k_enc, ksenc, 16);
    assert_memory_equal(r.sm.k_mac, ksmac, 16);
    sm_clear(&r.sm);
}

/* --- 3DES: ECDH-GM transcript recorded from a passport ---------------- */

static void pace_run_with_3des_pads_the_token_input(void **state)
{
    (void)state;
    static const step steps[] = {
        {"0022c1a40f800a04007f00070202040201830101", "9000"},
        {"10860000027c0000", "7c128010b88382812290017af1cc906ff00e7f4d9000"},
        {"10860000457c43814104"
         "7706b2b6246ab4612229b8a11212ddba7fea0568c9c0975dee22c0e3dd3a3f03"
         "21e8afee836e373b570d24000d56fb195104d486e63321ff8c819dd5ee018dcb00",
         "7c43824104"
         "780b4edec9b926f9f964fad826d9990a667608d96ba7b397ae8609b6533e0d03"
         "6d148365ddf4e5ff6611c2b62aa17fc9899f327bc929db543e7abd0ee724e4be9000"},
        {"10860000457c43834104"
         "507a0156efae8fb8acc519036c0b2fe0393c878744c7f91878ee4e07a41412ba"
         "5c0753d68a44a91e9f57f3f992ab689e6c2065d3b2a27c3658a4fd632931ee3800",
         "7c43844104"
         "2dbaf62e6fdfb31eb66f206493b9e7721586f0e5c93754d7bd5a884ca251ee4d"
         "720ab539a60561bc46812fa289b58ac69f0c6e32adbaf7241049a31211f80f5b9000"},
        {"008600000c7c0a85088d7c617d43efe09e00", "7c0a8608cb57047c809079f69000"},
    };
    fixed_keys keys = {{"2808272c0ec20e01a3450030ef32855e9feb5cb17719e985389b1cf47609e69f",
                        "8f89449052df6c7983750c7b042c3cea12b36819174424c7cd28153f7b70b402"}};
    uint8_t pw[20];
    assert_int_equal(pace_mrz_password("LM277954", "781214", "271115", pw), KS_OK);
    run_result r = run_script("31143012060a04007f0007020204020102010202010d", steps, 5, &keys,
                              pw, 20, PACE_PW_MRZ);
    assert_int_equal(r.st, KS_OK);
    HEX(ksenc, "430e4c8c38dfefaed92067b919a897f8");
    HEX(ksmac, "c1bc1f075797b970b5a45e64a764b0cb");
    assert_int_equal(r.sm.cipher, KS_CIPHER_3DES);
    assert_memory_equal(r.sm.k_enc, ksenc, 16);
    assert_memory_equal(r.sm.k_mac, ksmac, 16);
    sm_clear(&r.sm);
}

static void random_keys_lie_in_the_group(void **state)
{
    (void)state;
    uint8_t sk[200], pk[300];
    size_t n = 0, m = 0;
    assert_int_equal(pace_random_key(13, sk, sizeof sk, &n), KS_OK);
    assert_int_equal(n, 32);
    assert_int_equal(pace_public_key(13, NULL, 0, sk, n, pk, sizeof pk, &m), KS_OK);
    assert_int_equal(m, 65);
    assert_int_equal(pace_random_key(2, sk, sizeof sk, &n), KS_OK);
    assert_int_equal(n, 32);
    assert_int_equal(pace_random_key(18, sk, sizeof sk, &n), KS_OK);
    assert_int_equal(n, 66);
    assert_int_equal(pace_random_key(5, sk, sizeof sk, &n), KS_ERR_UNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mrz_password_matches_appendix_g),
        cmocka_unit_test(nonce_decrypts_as_in_appendix_g1),
        cmocka_unit_test(ecdh_generic_mapping_matches_appendix_g1),
        cmocka_unit_test(ecdh_key_agreement_matches_appendix_g1),
        cmocka_unit_test(tokens_match_appendix_g1),
        cmocka_unit_test(invalid_chip_points_are_refused),
        cmocka_unit_test(pace_run_reproduces_appendix_g1_exchange),
        cmocka_unit_test(wrong_chip_token_is_an_auth_error),
        cmocka_unit_test(chip_refusing_the_token_is_an_access_error),
        cmocka_unit_test(mse_refusal_is_a_card_error),
        cmocka_unit_test(chip_echoing_the_terminal_key_is_refused),
        cmocka_unit_test(malformed_chip_answers_are_refused),
        cmocka_unit_test(parameter_id_is_sent_when_the_card_offers_several),
        cmocka_unit_test(unsupported_mapping_is_reported),
        cmocka_unit_test(dh_generic_mapping_matches_appendix_g2),
        cmocka_unit_test(dh_keys_outside_the_subgroup_are_refused),
        cmocka_unit_test(pace_run_reproduces_appendix_g2_exchange),
        cmocka_unit_test(pace_run_with_3des_pads_the_token_input),
        cmocka_unit_test(random_keys_lie_in_the_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
