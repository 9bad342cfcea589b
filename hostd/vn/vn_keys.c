#include "vn_keys.h"

#include <stdbool.h>
#include <string.h>

#include "vn_date.h"

static const int milestones[] = {14, 25, 40, 60};
#define N_MILESTONES (sizeof milestones / sizeof milestones[0])

/* A candidate expiry: never, or a date with its 29-February second spelling. */
typedef struct expiry {
    bool never;
    vn_date date, alt;
} expiry;

static expiry at_milestone(vn_date born, size_t i)
{
    expiry e = {0};
    if (i >= N_MILESTONES) {
        e.never = true;
        return e;
    }
    e.date = vn_date_add_years(born, milestones[i], &e.alt);
    return e;
}

/* Index of the first milestone birthday strictly after the issue date (on
 * the birthday itself the holder has already reached that age). */
static size_t first_milestone_after(vn_date born, vn_date issued)
{
    size_t i = 0;
    while (i < N_MILESTONES && vn_date_cmp(vn_date_add_years(born, milestones[i], NULL), issued) <= 0)
        i++;
    return i;
}

static expiry rule_by_days(vn_date born, vn_date issued)
{
    size_t i = first_milestone_after(born, issued);
    if (i < N_MILESTONES) {
        vn_date window_opens = vn_date_add_years(born, milestones[i] - 2, NULL);
        if (vn_date_cmp(issued, window_opens) >= 0)
            i++;
    }
    return at_milestone(born, i);
}

static expiry rule_by_years(vn_date born, vn_date issued)
{
    int age = issued.year - born.year;
    size_t i = 0;
    while (i < N_MILESTONES && milestones[i] <= age)
        i++;
    if (i < N_MILESTONES && age >= milestones[i] - 2)
        i++;
    return at_milestone(born, i);
}

typedef struct key_list {
    vn_key *out;
    size_t cap, n;
    char document_number[10], date_of_birth[7];
} key_list;

static bool already_listed(const key_list *l, const char *yymmdd)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->out[i].kind == VN_KEY_MRZ && strcmp(l->out[i].date_of_expiry, yymmdd) == 0)
            return true;
    return false;
}

static void add_mrz(key_list *l, const char *yymmdd)
{
    if (l->n >= l->cap || already_listed(l, yymmdd))
        return;
    vn_key *k = &l->out[l->n++];
    memset(k, 0, sizeof *k);
    k->kind = VN_KEY_MRZ;
    memcpy(k->document_number, l->document_number, sizeof k->document_number);
    memcpy(k->date_of_birth, l->date_of_birth, sizeof k->date_of_birth);
    memcpy(k->date_of_expiry, yymmdd, 7);
}

static void add_expiry(key_list *l, expiry e)
{
    if (e.never) {
        add_mrz(l, "991231");
        return;
    }
    char yymmdd[7];
    vn_date_to_yymmdd(e.date, yymmdd);
    add_mrz(l, yymmdd);
    vn_date_to_yymmdd(e.alt, yymmdd);
    add_mrz(l, yymmdd);
}

static bool id_is_valid(const char *id)
{
    size_t n = strnlen(id, 13);
    if (n != 12)
        return false;
    for (size_t i = 0; i < n; i++)
        if (id[i] < '0' || id[i] > '9')
            return false;
    return true;
}

/* The QR's dates, or false when they are unusable for the rule. */
static bool qr_dates(const vn_qr *qr, vn_date *born, vn_date *issued)
{
    char dob[11], doi[11];
    memcpy(dob, qr->date_of_birth, sizeof dob);
    memcpy(doi, qr->date_of_issue, sizeof doi);
    dob[10] = doi[10] = '\0';
    return vn_date_parse_iso(dob, born) && vn_date_parse_iso(doi, issued) &&
           vn_date_cmp(*born, *issued) <= 0;
}

size_t vn_keys_from_qr(const vn_qr *qr, vn_key *out, size_t cap)
{
    if (!qr || !out || cap == 0 || !id_is_valid(qr->id_number))
        return 0;
    if (cap > VN_KEYS_MAX)
        cap = VN_KEYS_MAX;
    key_list l = {out, cap, 0, {0}, {0}};

    vn_key *can = &out[l.n++];
    memset(can, 0, sizeof *can);
    can->kind = VN_KEY_CAN;
    memcpy(can->can, qr->id_number + 6, 6);

    vn_date born, issued;
    if (!qr_dates(qr, &born, &issued))
        return l.n;
    memcpy(l.document_number, qr->id_number + 3, 9);
    vn_date_to_yymmdd(born, l.date_of_birth);

    expiry by_law = rule_by_days(born, issued);
    size_t first = first_milestone_after(born, issued);
    expiry ordered[] = {
        by_law,
        rule_by_years(born, issued),
        at_milestone(born, first),
        at_milestone(born, first + 1),
    };
    if (by_law.never)
        add_expiry(&l, by_law);
    for (size_t i = 0; i < sizeof ordered / sizeof ordered[0]; i++)
        if (!ordered[i].never)
            add_expiry(&l, ordered[i]);
    add_mrz(&l, "991231");
    return l.n;
}

ks_status vn_expiry_by_law(const char *born_iso, const char *issued_iso, char out_iso[11])
{
    vn_date born, issued;
    if (!born_iso || !issued_iso || !out_iso || !vn_date_parse_iso(born_iso, &born) ||
        !vn_date_parse_iso(issued_iso, &issued) || vn_date_cmp(born, issued) > 0)
        return KS_ERR_ARG;
    expiry e = rule_by_days(born, issued);
    if (e.never)
        out_iso[0] = '\0';
    else
        vn_date_to_iso(e.date, out_iso);
    return KS_OK;
}
