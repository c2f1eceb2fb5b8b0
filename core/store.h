/*
 * SPDX-License-Identifier: Apache-2.0
 * store.h: every SQL statement of mod_clinic, as prepared statements
 * with parameters, and the row mapping.  Only the store_*.c files speak
 * SQL: store_exec.c (running statements, errors), store_users.c,
 * store_codes.c (codes), store_counts.c (limits), store_packages.c,
 * store_payments.c, store_admin.c (clinicctl's).  The module's
 * connections (mod_dbd) are the glue's: store_db.h.
 *
 * Functions return APR_SUCCESS, APR_EEXIST when a unique key refused the
 * write, APR_EAGAIN when the database was busy (locked, a deadlock),
 * APR_ECONNRESET when the connection broke (it is then discarded), or
 * APR_EGENERAL after logging the database's error with the request id.
 * Nothing here includes an httpd header: the connection and the log come
 * in a clinic_db_t.
 * clinic_store_fault() tells the caller whether the failure was the
 * database's state (answer 503) rather than a fault (500).
 */
#ifndef CLINIC_STORE_H
#define CLINIC_STORE_H

#include <apr_tables.h>
#include <apr_hash.h>
#include <apr_dbd.h>

#include "env.h"
#include "model.h"

#define CLINIC_SCHEMA_VERSION 6

/* An open connection, whoever opened it: the module takes one from
 * mod_dbd's pool (store_db.c), clinicctl opens its own (ctl/ctldb.c), the
 * unit tests one on SQLite.  Every statement of the store is prepared on
 * it under its label (clinic_stmt_t). */
typedef struct {
    apr_pool_t *pool;          /* env's: rows and strings */
    clinic_env_t *env;         /* the log, and the fault the store met */
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    apr_hash_t *prepared;      /* label -> apr_dbd_prepared_t */
    void *opener;              /* whoever opened it: mod_dbd's ap_dbd_t */
} clinic_db_t;

/* Run a real prepared statement (health) */
apr_status_t clinic_store_ping(clinic_db_t *d);

typedef enum {
    CLINIC_DB_OK = 0,
    CLINIC_DB_BUSY,            /* locked or busy: try again in a second */
    CLINIC_DB_DOWN             /* unreachable, or a connection broke */
} clinic_db_fault_t;
/* What a failed database call of env (a request) met, if anything. */
clinic_db_fault_t clinic_store_fault(const clinic_env_t *env);
/* Forget it, before a call tried again */
void clinic_store_fault_clear(clinic_env_t *env);

/* users */
apr_status_t clinic_store_user_by_phone(clinic_user_t **out, clinic_db_t *d, const char *phone);
apr_status_t clinic_store_user_by_id(clinic_user_t **out, clinic_db_t *d, const char *id);
/* the user and the subscription active at now (NULL when none) */
apr_status_t clinic_store_user_with_active(clinic_user_t **user,
                                          clinic_sub_t **active,
                                          clinic_db_t *d,
                                          const char *id, apr_int64_t now);
/* APR_EEXIST when the phone is taken */
apr_status_t clinic_store_user_create(clinic_db_t *d,
                                      const char *id, const char *phone,
                                      apr_int64_t now);
/* set_name/set_nid say which fields change; a NULL value clears */
apr_status_t clinic_store_user_update(clinic_db_t *d,
                                      const char *id, int set_name,
                                      const char *name, int set_nid,
                                      const char *national_id,
                                      apr_int64_t now);
/* APR_EEXIST when another user holds the number */
apr_status_t clinic_store_user_set_phone(clinic_db_t *d,
                                         const char *id, const char *phone,
                                         apr_int64_t now);

/* OTP codes; owner is "" for login codes, the user id for phone change */
typedef struct {
    const char *id;
    const char *hash;
    int attempts;
    apr_int64_t expires_at;
    const char *status;
} clinic_otp_row_t;

apr_status_t clinic_store_otp_insert(clinic_db_t *d,
                                     const char *id, const char *phone,
                                     const char *purpose, const char *owner,
                                     const char *hash, apr_int64_t now,
                                     apr_int64_t expires_at,
                                     apr_int64_t created_us);
/* make a delivered code the live one and, if it became live (a login may
 * have retired it meanwhile), retire the live codes sent before it
 * (created_us as inserted) */
apr_status_t clinic_store_otp_activate(clinic_db_t *d,
                                       const char *id, const char *phone,
                                       const char *purpose,
                                       const char *owner,
                                       apr_int64_t created_us);
/* after a login: retire every other code of (phone, purpose, owner), the
 * live ones and those still pending at the gateway, so one burst of sends
 * yields one login */
apr_status_t clinic_store_otp_retire_rest(clinic_db_t *d,
                                          const char *id, const char *phone,
                                          const char *purpose,
                                          const char *owner);
/* hashes of the replaced, unexpired codes of (phone, purpose, owner) */
apr_status_t clinic_store_otp_replaced(apr_array_header_t **hashes,
                                       clinic_db_t *d,
                                       const char *phone, const char *purpose,
                                       const char *owner, apr_int64_t now);
/* an undelivered code can never be used */
apr_status_t clinic_store_otp_fail(clinic_db_t *d,
                                   const char *id);
/* the newest live code, *out NULL when none */
apr_status_t clinic_store_otp_latest(clinic_otp_row_t **out, clinic_db_t *d, const char *phone,
                                     const char *purpose, const char *owner);
/* count one attempt if fewer than max were made and the code is live;
 * *counted 1 when this request's attempt was counted */
apr_status_t clinic_store_otp_attempt(int *counted, clinic_db_t *d, const char *id, int max,
                                      apr_int64_t now);
apr_status_t clinic_store_otp_get(clinic_otp_row_t **out, clinic_db_t *d, const char *id);
/* *won 1 when this request consumed the code */
apr_status_t clinic_store_otp_consume(int *won, clinic_db_t *d,
                                      const char *id, apr_int64_t now);
/* Codes sent by WhatsApp (store_wa.c, schema 006) */
typedef struct {
    const char *id, *phone, *purpose, *owner, *status;
    int attempts;
    apr_int64_t expires_at;
    const char *lang;          /* of its text, "en" when unknown */
    const char *box;           /* the sealed code (codebox.h), or NULL */
    apr_int64_t fallback_at;   /* its fallback's claim, 0 when none */
} clinic_wa_code_t;

/* a pending code sent by WhatsApp in language lang; box is the sealed
 * code when a later fallback may send it, else NULL */
apr_status_t clinic_store_wa_insert(clinic_db_t *d, const char *id,
                                    const char *phone, const char *purpose,
                                    const char *owner, const char *hash,
                                    apr_int64_t now, apr_int64_t expires_at,
                                    apr_int64_t created_us, const char *lang,
                                    const char *box);
/* WhatsApp accepted its message: its wamid */
apr_status_t clinic_store_wa_sent(clinic_db_t *d, const char *id,
                                  const char *wamid);
/* WhatsApp refused it and it went by SMS at once: its one fallback */
apr_status_t clinic_store_wa_fell_back(clinic_db_t *d, const char *id,
                                       apr_int64_t now);
/* the code whose message has this wamid, *out NULL when none */
apr_status_t clinic_store_wa_by_wamid(clinic_wa_code_t **out,
                                      clinic_db_t *d, const char *wamid);
/* claim the code's one later fallback at now: *won 1 for the one request
 * that took it, while the code is live, unexpired, with attempts left
 * (fewer than max_attempts) and its box kept */
apr_status_t clinic_store_wa_claim(int *won, clinic_db_t *d, const char *id,
                                   int max_attempts, apr_int64_t now);
/* its fallback went: the box is emptied */
apr_status_t clinic_store_wa_done(clinic_db_t *d, const char *id);
/* its fallback did not go: the claim made at `claimed` is given back */
apr_status_t clinic_store_wa_unclaim(clinic_db_t *d, const char *id,
                                     apr_int64_t claimed);

/* Codes are kept a day after they expire, so clinicctl stats can count
 * the last 24 hours' sends and logins; a limit's slots a week, longer than
 * any window. */
#define CLINIC_KEEP_EXPIRED_CODES 86400
#define CLINIC_KEEP_RATE_SLOTS (7 * 86400)
/* Rows of each table deleted at most by one batch of the cleanup */
#define CLINIC_CLEANUP_BATCH 100
/* One batch of each: codes and slots older than that at now, oldest
 * first; *codes and *slots get how many rows went, *full 1 when a batch
 * was full (more may be left) (the module's background work, every
 * ClinicBackgroundInterval) */
apr_status_t clinic_store_cleanup_batch(int *codes, int *slots, int *full,
                                        clinic_db_t *d,
                                        apr_int64_t now);
/* All of them, batch after batch (clinicctl cleanup); *codes and *slots
 * (either may be NULL) get how many rows went */
apr_status_t clinic_store_cleanup(int *codes, int *slots, clinic_db_t *d, apr_int64_t now);

/* Exact sliding-window limit: take one of `limit` slots of bucket whose
 * last use is older than window seconds.  *allowed 0 gives retry_after. */
apr_status_t clinic_store_rate_take(int *allowed, apr_int64_t *retry_after,
                                    clinic_db_t *d,
                                    const char *bucket, int limit,
                                    int window, apr_int64_t now);

/* The same, telling which slot was taken (*slot, when *allowed), so a
 * request that turns out not to count can give it back at once */
apr_status_t clinic_store_rate_take_slot(int *allowed, int *slot,
                                         apr_int64_t *retry_after,
                                         clinic_db_t *d,
                                         const char *bucket, int limit,
                                         int window, apr_int64_t now);
/* Free slot of bucket again, if its last use is still now (the taking) */
apr_status_t clinic_store_rate_give_back(clinic_db_t *d,
                                         const char *bucket, int slot,
                                         apr_int64_t now);

/* Both buckets' first slot in one statement, when neither has a slot
 * yet (*taken 1); *taken 0 when one has, and nothing was taken: then
 * clinic_store_rate_take each.  A slot 0 is free by definition when it
 * is missing, so this never lets a request past a limit. */
apr_status_t clinic_store_rate_take_fresh(int *taken, clinic_db_t *d, const char *bucket1,
                                         const char *bucket2, apr_int64_t now);

/* packages and subscriptions */
apr_status_t clinic_store_packages_active(apr_array_header_t **out,
                                          clinic_db_t *d);
apr_status_t clinic_store_package_by_id(clinic_package_t **out,
                                        clinic_db_t *d,
                                        const char *id);
apr_status_t clinic_store_sub_active(clinic_sub_t **out, clinic_db_t *d, const char *user_id,
                                     apr_int64_t now);
/* a subscription that has run out stops holding the user's active slot */
apr_status_t clinic_store_sub_release_expired(clinic_db_t *d,
                                              const char *user_id,
                                              apr_int64_t now);
/* APR_EEXIST while the user holds an active subscription, or when key
 * (an Idempotency-Key, or NULL) is the user's already */
apr_status_t clinic_store_sub_insert(clinic_db_t *d,
                                     const clinic_sub_t *sub,
                                     const char *user_id, const char *key,
                                     apr_int64_t now);
/* the subscription the user's Idempotency-Key made, *out NULL when none;
 * keys used before forget_before are forgotten first */
apr_status_t clinic_store_sub_by_key(clinic_sub_t **out, clinic_db_t *d, const char *user_id,
                                     const char *key,
                                     apr_int64_t forget_before);
/* one subscription of the user's, *out NULL when none (or another's) */
apr_status_t clinic_store_sub_of_user(clinic_sub_t **out, clinic_db_t *d, const char *id,
                                      const char *user_id);
apr_status_t clinic_store_sub_history(apr_array_header_t **out,
                                      clinic_db_t *d,
                                      const char *user_id);

/* payments (store_payments.c) */
/* any user's subscription by id, or by the provider's payment id */
apr_status_t clinic_store_pay_sub(clinic_sub_t **out, clinic_db_t *d, const char *id);
apr_status_t clinic_store_pay_by_ref(clinic_sub_t **out, clinic_db_t *d, const char *provider,
                                     const char *ref);
/* remember the provider's payment of a pending subscription that has none
 * yet; *won 0 when it is no longer pending */
apr_status_t clinic_store_pay_attach(int *won, clinic_db_t *d,
                                     const char *id, const char *ref,
                                     const char *url, apr_int64_t expires);
/* pending (or failed, paid late) -> completed, taking the user's slot;
 * *won 1 for the one request that changed it; APR_EEXIST when another
 * subscription holds the slot */
apr_status_t clinic_store_pay_complete(int *won, clinic_db_t *d,
                                       const char *id, apr_int64_t paid_at,
                                       apr_int64_t expires_at);
/* pending -> failed, freeing the slot; never_made: only while the
 * provider has no payment for it, and its Idempotency-Key is forgotten */
apr_status_t clinic_store_pay_fail(int *won, clinic_db_t *d,
                                   const char *id, int never_made);
/* the user's subscriptions pending since before `before` */
apr_status_t clinic_store_pay_stale(apr_array_header_t **out, clinic_db_t *d, const char *user_id,
                                    apr_int64_t before);
/* Pending payments at provider (its name) that are overdue, every
 * user's, the oldest CLINIC_PAY_BATCH: those the provider has whose
 * deadline (pay_expires_at) is past at now, and those it never made
 * created before unmade_before */
#define CLINIC_PAY_BATCH 50
#define CLINIC_PAY_BATCH_SQL "50"
apr_status_t clinic_store_pay_overdue(apr_array_header_t **out,
                                      clinic_db_t *d,
                                      const char *provider, apr_int64_t now,
                                      apr_int64_t unmade_before);

/* day_counts (store_counts.c): count one in (bucket, day) unless the
 * count is already limit.  *taken 1 when counted.  *at is the count this
 * one made when it is 1, mark or limit, exactly (one request alone makes
 * each value), else 0: the value a caller acts on once a day.  Older
 * days of the bucket are deleted when its day begins. */
apr_status_t clinic_store_count_take(int *taken, int *at, clinic_db_t *d, const char *bucket,
                                     apr_int64_t day, int limit, int mark);

#endif
