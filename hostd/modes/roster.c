/* roster.c — see roster.h and docs/modes.md. */
#include "roster.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "modes_util.h"
#include "store.h"
#include "vn_date.h"
#include "vn_text.h"

#define CANDIDATE_ID_MAX 64
#define FULL_NAME_MAX 256
#define EXAM_SESSION_MAX 64

typedef enum row_status { ROW_PENDING = 0, ROW_CHECKED_IN, ROW_FAILED } row_status;

static const char *const STATUS_NAMES[] = {"pending", "checked_in", "failed_verification"};

typedef struct row {
    char candidate_id[CANDIDATE_ID_MAX + 1];
    char id_number[13];
    char full_name[FULL_NAME_MAX + 1];
    char date_of_birth[11];
    char exam_session[EXAM_SESSION_MAX + 1];
    size_t line;
    row_status status;
    char checked_in_at[21];
    char record_id[STORE_ID_LEN + 1];
    char face_match[16];
    char liveness[16];
} row;

struct roster {
    row *rows;
    size_t n;
    size_t *by_id; /* row indexes sorted by id_number, for lookup */
};

/* ---- lifetime -------------------------------------------------------------- */

static void rows_wipe_free(row *rows, size_t n, size_t *by_id)
{
    if (rows)
        OPENSSL_cleanse(rows, n * sizeof *rows);
    free(rows);
    free(by_id);
}

ks_status roster_new(roster **out)
{
    if (!out)
        return KS_ERR_ARG;
    *out = calloc(1, sizeof **out);
    return *out ? KS_OK : KS_ERR_NO_MEMORY;
}

void roster_free(roster *r)
{
    if (!r)
        return;
    rows_wipe_free(r->rows, r->n, r->by_id);
    free(r);
}

/* ---- CSV reading ----------------------------------------------------------- */

typedef struct field {
    const char *p;
    size_t len;
} field;

/* Walks a private copy of the input, unescaping quoted fields in place (the
 * write cursor never passes the read cursor, since "" shrinks to "). */
typedef struct reader {
    char *buf;
    size_t len, pos, w;
    size_t line; /* physical line of buf[pos], 1-based */
} reader;

static void set_err(char *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, ROSTER_ERR_LEN, fmt, ap);
    va_end(ap);
}

static bool is_break(char c)
{
    return c == ',' || c == '\r' || c == '\n';
}

static void step_newline(reader *rd)
{
    if (rd->buf[rd->pos] == '\r' && rd->pos + 1 < rd->len && rd->buf[rd->pos + 1] == '\n')
        rd->pos++;
    rd->pos++;
    rd->line++;
}

static ks_status read_quoted(reader *rd, char *err)
{
    size_t opened_at = rd->line;
    rd->pos++; /* the opening quote */
    for (;;) {
        if (rd->pos >= rd->len) {
            set_err(err, "line %zu: a quoted field is never closed", opened_at);
            return KS_ERR_MALFORMED;
        }
        char c = rd->buf[rd->pos];
        if (c == '"') {
            if (rd->pos + 1 < rd->len && rd->buf[rd->pos + 1] == '"') {
                rd->buf[rd->w++] = '"';
                rd->pos += 2;
                continue;
            }
            rd->pos++;
            break;
        }
        if (c == '\n' || (c == '\r' && !(rd->pos + 1 < rd->len && rd->buf[rd->pos + 1] == '\n')))
            rd->line++;
        rd->buf[rd->w++] = c;
        rd->pos++;
    }
    while (rd->pos < rd->len && (rd->buf[rd->pos] == ' ' || rd->buf[rd->pos] == '\t'))
        rd->pos++;
    if (rd->pos < rd->len && !is_break(rd->buf[rd->pos])) {
        set_err(err, "line %zu: text follows a closing quote", rd->line);
        return KS_ERR_MALFORMED;
    }
    return KS_OK;
}

static ks_status read_plain(reader *rd, char *err)
{
    while (rd->pos < rd->len && !is_break(rd->buf[rd->pos])) {
        if (rd->buf[rd->pos] == '"') {
            set_err(err, "line %zu: a quote inside an unquoted field", rd->line);
            return KS_ERR_MALFORMED;
        }
        rd->buf[rd->w++] = rd->buf[rd->pos++];
    }
    return KS_OK;
}

/* One record into f[0..*nf). *nf = 0 at the end of input. */
static ks_status read_record(reader *rd, field *f, size_t *nf, size_t *line, char *err)
{
    *nf = 0;
    *line = rd->line;
    if (rd->pos >= rd->len)
        return KS_OK;
    for (;;) {
        if (*nf == ROSTER_MAX_COLUMNS) {
            set_err(err, "line %zu has more than %u fields", *line, ROSTER_MAX_COLUMNS);
            return KS_ERR_TOO_LARGE;
        }
        size_t start = rd->w;
        /* hand-written files put spaces around quoted fields: a, "b" */
        size_t q = rd->pos;
        while (q < rd->len && (rd->buf[q] == ' ' || rd->buf[q] == '\t'))
            q++;
        ks_status rc;
        if (q < rd->len && rd->buf[q] == '"') {
            rd->pos = q;
            rc = read_quoted(rd, err);
        } else {
            rc = read_plain(rd, err);
        }
        if (rc != KS_OK)
            return rc;
        f[*nf].p = rd->buf + start;
        f[*nf].len = rd->w - start;
        (*nf)++;
        if (rd->pos >= rd->len)
            return KS_OK;
        if (rd->buf[rd->pos] != ',') {
            step_newline(rd);
            return KS_OK;
        }
        rd->pos++;
    }
}

static field trimmed(field f)
{
    while (f.len && (f.p[0] == ' ' || f.p[0] == '\t')) {
        f.p++;
        f.len--;
    }
    while (f.len && (f.p[f.len - 1] == ' ' || f.p[f.len - 1] == '\t'))
        f.len--;
    return f;
}

/* ---- header ---------------------------------------------------------------- */

enum { COL_CANDIDATE_ID, COL_ID_NUMBER, COL_FULL_NAME, COL_DATE_OF_BIRTH, COL_EXAM_SESSION, COL_COUNT };

static const char *const COLUMN_NAMES[COL_COUNT] = {"candidate_id", "id_number", "full_name",
                                                    "date_of_birth", "exam_session"};

static bool name_is(field f, const char *name)
{
    size_t n = strlen(name);
    if (f.len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = f.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != name[i])
            return false;
    }
    return true;
}

/* col[k] = field index of known column k, or -1. */
static ks_status map_header(const field *f, size_t nf, size_t line, int col[COL_COUNT], char *err)
{
    for (int k = 0; k < COL_COUNT; k++)
        col[k] = -1;
    for (size_t i = 0; i < nf; i++) {
        field name = trimmed(f[i]);
        for (int k = 0; k < COL_COUNT; k++) {
            if (!name_is(name, COLUMN_NAMES[k]))
                continue;
            if (col[k] >= 0) {
                set_err(err, "line %zu: column %s appears twice", line, COLUMN_NAMES[k]);
                return KS_ERR_MALFORMED;
            }
            col[k] = (int)i;
        }
    }
    for (int k = COL_CANDIDATE_ID; k <= COL_ID_NUMBER; k++)
        if (col[k] < 0) {
            set_err(err, "line %zu: the header lacks the column %s", line, COLUMN_NAMES[k]);
            return KS_ERR_MALFORMED;
        }
    return KS_OK;
}

/* ---- rows ------------------------------------------------------------------ */

static ks_status take_text(field v, const char *col, size_t max, bool required, size_t line,
                           char *out, char *err)
{
    if (v.len == 0 && required) {
        set_err(err, "line %zu: %s is empty", line, col);
        return KS_ERR_MALFORMED;
    }
    if (v.len > max) {
        set_err(err, "line %zu: %s is longer than %zu bytes", line, col, max);
        return KS_ERR_TOO_LARGE;
    }
    if (vn_text_has_controls(v.p, v.len)) {
        set_err(err, "line %zu: %s holds a control character or line break", line, col);
        return KS_ERR_MALFORMED;
    }
    memcpy(out, v.p, v.len);
    out[v.len] = '\0';
    return KS_OK;
}

static ks_status take_id_number(field v, size_t line, char out[13], char *err)
{
    bool digits = v.len > 0;
    for (size_t i = 0; i < v.len; i++)
        digits = digits && v.p[i] >= '0' && v.p[i] <= '9';
    if (digits && v.len == 12) {
        memcpy(out, v.p, 12);
        out[12] = '\0';
        return KS_OK;
    }
    if (digits && v.len < 12)
        set_err(err, "line %zu: id_number has %zu digits, not 12 (did a spreadsheet drop "
                     "leading zeros?)", line, v.len);
    else
        set_err(err, "line %zu: id_number must be exactly 12 digits", line);
    return KS_ERR_MALFORMED;
}

static ks_status take_date(field v, size_t line, char out[11], char *err)
{
    vn_date d;
    out[0] = '\0';
    if (v.len == 0)
        return KS_OK;
    char iso[11];
    bool ok = false;
    if (v.len == 10 && v.p[4] == '-') {
        memcpy(iso, v.p, 10);
        iso[10] = '\0';
        ok = vn_date_parse_iso(iso, &d);
    } else if (v.len == 10) {
        ok = vn_date_parse_dmy(v.p, v.len, '/', &d);
    }
    if (!ok) {
        set_err(err, "line %zu: date_of_birth is not a date (YYYY-MM-DD or dd/MM/yyyy)", line);
        return KS_ERR_MALFORMED;
    }
    vn_date_to_iso(d, out);
    return KS_OK;
}

static field column(const field *f, const int col[COL_COUNT], int k)
{
    field none = {"", 0};
    return col[k] >= 0 ? trimmed(f[col[k]]) : none;
}

static ks_status parse_row(const field *f, const int col[COL_COUNT], size_t line, row *out,
                           char *err)
{
    memset(out, 0, sizeof *out);
    out->line = line;
    ks_status rc;
    if ((rc = take_text(column(f, col, COL_CANDIDATE_ID), "candidate_id", CANDIDATE_ID_MAX, true,
                        line, out->candidate_id, err)) != KS_OK ||
        (rc = take_id_number(column(f, col, COL_ID_NUMBER), line, out->id_number, err)) != KS_OK ||
        (rc = take_text(column(f, col, COL_FULL_NAME), "full_name", FULL_NAME_MAX, false, line,
                        out->full_name, err)) != KS_OK ||
        (rc = take_date(column(f, col, COL_DATE_OF_BIRTH), line, out->date_of_birth, err)) !=
            KS_OK ||
        (rc = take_text(column(f, col, COL_EXAM_SESSION), "exam_session", EXAM_SESSION_MAX, false,
                        line, out->exam_session, err)) != KS_OK)
        return rc;
    return KS_OK;
}

/* ---- uniqueness and lookup ------------------------------------------------- */

/* qsort has no context argument, so each index carries its row. Ties sort
 * by index, which makes a duplicate report name the earlier line second. */
typedef struct sort_item {
    const row *r;
    size_t idx;
} sort_item;

static int by_id_number(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    int c = strcmp(x->r->id_number, y->r->id_number);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static int by_candidate_id(const void *a, const void *b)
{
    const sort_item *x = a, *y = b;
    int c = strcmp(x->r->candidate_id, y->r->candidate_id);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static ks_status check_unique(const row *rows, size_t n, size_t **by_id_out, char *err)
{
    sort_item *items = malloc((n ? n : 1) * sizeof *items);
    size_t *by_id = malloc((n ? n : 1) * sizeof *by_id);
    if (!items || !by_id) {
        free(items);
        free(by_id);
        return KS_ERR_NO_MEMORY;
    }
    ks_status rc = KS_OK;
    for (size_t i = 0; i < n; i++)
        items[i] = (sort_item){&rows[i], i};
    qsort(items, n, sizeof *items, by_candidate_id);
    for (size_t i = 1; i < n && rc == KS_OK; i++)
        if (strcmp(items[i - 1].r->candidate_id, items[i].r->candidate_id) == 0) {
            set_err(err, "line %zu: candidate_id repeats the one on line %zu", items[i].r->line,
                    items[i - 1].r->line);
            rc = KS_ERR_MALFORMED;
        }
    if (rc == KS_OK) {
        qsort(items, n, sizeof *items, by_id_number);
        for (size_t i = 0; i < n; i++)
            by_id[i] = items[i].idx;
        for (size_t i = 1; i < n && rc == KS_OK; i++)
            if (strcmp(items[i - 1].r->id_number, items[i].r->id_number) == 0) {
                set_err(err, "line %zu: id_number repeats the one on line %zu", items[i].r->line,
                        items[i - 1].r->line);
                rc = KS_ERR_MALFORMED;
            }
    }
    free(items);
    if (rc != KS_OK) {
        free(by_id);
        return rc;
    }
    *by_id_out = by_id;
    return KS_OK;
}

static row *find_by_id(const roster *r, const char *id_number)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        row *m = &r->rows[r->by_id[mid]];
        int c = strcmp(m->id_number, id_number);
        if (c == 0)
            return m;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- loading --------------------------------------------------------------- */

static size_t line_of_offset(const char *s, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n' || (s[i] == '\r' && s[i + 1] != '\n'))
            line++;
    return line;
}

/* Whole-input checks before parsing: size, encoding, NUL. */
static ks_status check_bytes(const char *csv, size_t len, char *err)
{
    if (len > ROSTER_MAX_BYTES) {
        set_err(err, "the CSV is larger than %u bytes", ROSTER_MAX_BYTES);
        return KS_ERR_TOO_LARGE;
    }
    const char *nul = memchr(csv, '\0', len);
    if (nul) {
        set_err(err, "line %zu holds a NUL byte", line_of_offset(csv, (size_t)(nul - csv)));
        return KS_ERR_MALFORMED;
    }
    size_t pos = 0;
    while (pos < len) {
        uint32_t cp;
        size_t used = vn_utf8_decode(csv + pos, len - pos, &cp);
        if (used == 0) {
            set_err(err, "line %zu is not UTF-8 text (save the roster as \"CSV UTF-8\")",
                    line_of_offset(csv, pos));
            return KS_ERR_MALFORMED;
        }
        pos += used;
    }
    return KS_OK;
}

static bool blank(const field *f, size_t nf)
{
    return nf == 1 && f[0].len == 0;
}

static ks_status parse_all(reader *rd, row **rows_out, size_t *n_out, char *err)
{
    field f[ROSTER_MAX_COLUMNS];
    size_t nf = 0, line = 0, ncols = 0, n = 0, cap = 0;
    int col[COL_COUNT];
    row *rows = NULL;
    ks_status rc;
    do {
        if ((rc = read_record(rd, f, &nf, &line, err)) != KS_OK)
            goto fail;
    } while (nf && blank(f, nf));
    if (nf == 0) {
        set_err(err, "the CSV is empty: a header row is required");
        return KS_ERR_MALFORMED;
    }
    if ((rc = map_header(f, nf, line, col, err)) != KS_OK)
        return rc;
    ncols = nf;
    for (;;) {
        if ((rc = read_record(rd, f, &nf, &line, err)) != KS_OK)
            goto fail;
        if (nf == 0)
            break;
        if (blank(f, nf))
            continue;
        if (nf != ncols) {
            set_err(err, "line %zu has %zu fields, the header has %zu", line, nf, ncols);
            rc = KS_ERR_MALFORMED;
            goto fail;
        }
        if (n == ROSTER_MAX_ROWS) {
            set_err(err, "line %zu: the roster has more than %u candidates", line, ROSTER_MAX_ROWS);
            rc = KS_ERR_TOO_LARGE;
            goto fail;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            if (ncap > ROSTER_MAX_ROWS)
                ncap = ROSTER_MAX_ROWS;
            /* copy rather than realloc so the old block can be wiped */
            row *nr = malloc(ncap * sizeof *nr);
            if (!nr) {
                rc = KS_ERR_NO_MEMORY;
                goto fail;
            }
            if (rows)
                memcpy(nr, rows, n * sizeof *nr);
            rows_wipe_free(rows, n, NULL);
            rows = nr;
            cap = ncap;
        }
        if ((rc = parse_row(f, col, line, &rows[n], err)) != KS_OK) {
            n++; /* the partly filled row is wiped with the others */
            goto fail;
        }
        n++;
    }
    *rows_out = rows;
    *n_out = n;
    return KS_OK;
fail:
    rows_wipe_free(rows, n, NULL);
    return rc;
}

ks_status roster_load_csv(roster *r, const char *csv, size_t len, char err[ROSTER_ERR_LEN])
{
    if (err)
        err[0] = '\0';
    if (!r || (!csv && len))
        return KS_ERR_ARG;
    if (!csv)
        csv = "";
    ks_status rc = check_bytes(csv, len, err);
    if (rc != KS_OK)
        return rc;
    size_t skip = len >= 3 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    reader rd = {malloc(len - skip + 1), len - skip, 0, 0, 1};
    if (!rd.buf)
        return KS_ERR_NO_MEMORY;
    memcpy(rd.buf, csv + skip, len - skip);
    row *rows = NULL;
    size_t n = 0, *by_id = NULL;
    rc = parse_all(&rd, &rows, &n, err);
    OPENSSL_cleanse(rd.buf, len - skip);
    free(rd.buf);
    if (rc == KS_OK && (rc = check_unique(rows, n, &by_id, err)) != KS_OK)
        rows_wipe_free(rows, n, NULL);
    if (rc != KS_OK)
        return rc;
    rows_wipe_free(r->rows, r->n, r->by_id);
    r->rows = rows;
    r->n = n;
    r->by_id = by_id;
    return KS_OK;
}

/* ---- check-in -------------------------------------------------------------- */

static bool one_of(const char *v, const char *a, const char *b, const char *c)
{
    return v && (strcmp(v, a) == 0 || strcmp(v, b) == 0 || (c && strcmp(v, c) == 0));
}

static ks_status utc_time(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t < 0 || t > 253402300799LL || !gmtime_r(&tt, &tm))
        return KS_ERR_ARG;
    return strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 20 ? KS_OK : KS_ERR_ARG;
}

const char *roster_outcome_name(roster_outcome o)
{
    switch (o) {
    case ROSTER_CHECKED_IN: return "checked_in";
    case ROSTER_NOT_ON_ROSTER: return "not_on_roster";
    case ROSTER_CANDIDATE_MISMATCH: return "candidate_mismatch";
    case ROSTER_ALREADY_CHECKED_IN: return "already_checked_in";
    case ROSTER_FAILED_VERIFICATION: return "failed_verification";
    }
    return NULL;
}

ks_status roster_check_in(roster *r, json_object *rec, const char *candidate_id, int64_t now,
                          unsigned flags, roster_outcome *out)
{
    if (!r || !rec || !out)
        return KS_ERR_ARG;
    char when[21];
    if (utc_time(now, when) != KS_OK)
        return KS_ERR_ARG;
    const char *id_number = modes_holder(rec, "id_number");
    const char *record_id = modes_str(rec, "record_id");
    const char *verdict = modes_str(modes_obj(rec, "authentication"), "verdict");
    json_object *face = modes_obj(rec, "face");
    const char *match = modes_str(face, "match");
    const char *liveness = modes_str(face, "liveness");
    if (!modes_id_number_valid(id_number) || !record_id || !store_id_valid(record_id) ||
        !one_of(verdict, "genuine", "not_genuine", "inconclusive") ||
        !one_of(match, "match", "no_match", "not_performed") ||
        !one_of(liveness, "live", "not_live", "not_performed"))
        return KS_ERR_MALFORMED;

    row *w = find_by_id(r, id_number);
    if (!w) {
        *out = ROSTER_NOT_ON_ROSTER;
        return KS_OK;
    }
    if (candidate_id && strcmp(candidate_id, w->candidate_id) != 0) {
        *out = ROSTER_CANDIDATE_MISMATCH;
        return KS_OK;
    }
    if (w->status == ROW_CHECKED_IN) {
        *out = ROSTER_ALREADY_CHECKED_IN;
        return KS_OK;
    }
    bool live_ok = strcmp(liveness, "live") == 0 ||
                   ((flags & ROSTER_ALLOW_NO_LIVENESS) && strcmp(liveness, "not_performed") == 0);
    bool passed = strcmp(verdict, "genuine") == 0 && strcmp(match, "match") == 0 && live_ok;
    snprintf(w->record_id, sizeof w->record_id, "%s", record_id);
    snprintf(w->face_match, sizeof w->face_match, "%s", match);
    snprintf(w->liveness, sizeof w->liveness, "%s", liveness);
    if (passed) {
        w->status = ROW_CHECKED_IN;
        memcpy(w->checked_in_at, when, sizeof when);
    } else {
        w->status = ROW_FAILED;
        w->checked_in_at[0] = '\0';
    }
    *out = passed ? ROSTER_CHECKED_IN : ROSTER_FAILED_VERIFICATION;
    return KS_OK;
}

void roster_get_counts(const roster *r, roster_counts *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!r)
        return;
    out->total = r->n;
    for (size_t i = 0; i < r->n; i++) {
        switch (r->rows[i].status) {
        case ROW_PENDING: out->pending++; break;
        case ROW_CHECKED_IN: out->checked_in++; break;
        case ROW_FAILED: out->failed_verification++; break;
        }
    }
}

/* ---- export ---------------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = malloc(cap);
        if (!np) {
            b->oom = true;
            return;
        }
        /* copy rather than realloc so the old block can be wiped: it holds
         * personal data */
        if (b->p) {
            memcpy(np, b->p, b->len);
            OPENSSL_cleanse(b->p, b->cap);
            free(b->p);
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* One CSV field: formula guard first, then RFC 4180 quoting if needed. */
static void sb_field(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    bool guard = n && strchr("=+-@\t\r", s[0]);
    bool quote = n && (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[n - 1] == ' ');
    if (quote)
        sb_put(b, "\"", 1);
    if (guard)
        sb_put(b, "'", 1);
    for (const char *p = s; *p; p++) {
        sb_put(b, p, 1);
        if (*p == '"')
            sb_put(b, "\"", 1); /* quote is set whenever s holds one */
    }
    if (quote)
        sb_put(b, "\"", 1);
}

ks_status roster_results_csv(const roster *r, char **out, size_t *len)
{
    if (!r || !out || !len)
        return KS_ERR_ARG;
    sbuf b = {0};
    const char header[] = "candidate_id,id_number,full_name,exam_session,status,checked_in_at,"
                          "record_id,face_match,liveness\r\n";
    sb_put(&b, header, sizeof header - 1);
    for (size_t i = 0; i < r->n; i++) {
        const row *w = &r->rows[i];
        const char *cells[] = {w->candidate_id, w->id_number, w->full_name, w->exam_session,
                               STATUS_NAMES[w->status], w->checked_in_at, w->record_id,
                               w->face_match, w->liveness};
        for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
            if (c)
                sb_put(&b, ",", 1);
            sb_field(&b, cells[c]);
        }
        sb_put(&b, "\r\n", 2);
    }
    if (b.oom) {
        if (b.p)
            OPENSSL_cleanse(b.p, b.cap);
        free(b.p);
        return KS_ERR_NO_MEMORY;
    }
    *out = b.p;
    *len = b.len;
    return KS_OK;
}

static void add_if(json_object *o, const char *k, const char *v)
{
    if (v[0])
        modes_add_str(o, k, v);
}

ks_status roster_to_json(const roster *r, json_object **out)
{
    if (!r || !out)
        return KS_ERR_ARG;
    roster_counts c;
    roster_get_counts(r, &c);
    json_object *root = json_object_new_object();
    json_object *counts = json_object_new_object();
    json_object *rows = json_object_new_array();
    if (!root || !counts || !rows) {
        json_object_put(root);
        json_object_put(counts);
        json_object_put(rows);
        return KS_ERR_NO_MEMORY;
    }
    json_object_object_add(counts, "total", json_object_new_int64((int64_t)c.total));
    json_object_object_add(counts, "pending", json_object_new_int64((int64_t)c.pending));
    json_object_object_add(counts, "checked_in", json_object_new_int64((int64_t)c.checked_in));
    json_object_object_add(counts, "failed_verification",
                           json_object_new_int64((int64_t)c.failed_verification));
    json_object_object_add(root, "counts", counts);
    for (size_t i = 0; i < r->n; i++) {
        const row *w = &r->rows[i];
        json_object *o = json_object_new_object();
        modes_add_str(o, "candidate_id", w->candidate_id);
        modes_add_str(o, "id_number", w->id_number);
        add_if(o, "full_name", w->full_name);
        add_if(o, "date_of_birth", w->date_of_birth);
        add_if(o, "exam_session", w->exam_session);
        modes_add_str(o, "status", STATUS_NAMES[w->status]);
        add_if(o, "checked_in_at", w->checked_in_at);
        add_if(o, "record_id", w->record_id);
        add_if(o, "face_match", w->face_match);
        add_if(o, "liveness", w->liveness);
        json_object_array_add(rows, o);
    }
    json_object_object_add(root, "rows", rows);
    *out = root;
    return KS_OK;
}
