/*
 * Names of the DICOM UIDs an association negotiates: SOP classes (PS3.4:
 * storage, query/retrieve, worklist, MPPS, storage commitment, print,
 * verification, ...), transfer syntaxes (PS3.5 section 10) and the
 * application context (PS3.7 Annex A), as registered in PS3.6 Annex A.
 *
 * A record shows a UID with its name, so an administrator reads "CT Image
 * Storage" where the wire says 1.2.840.10008.5.1.4.1.1.2.
 */
#ifndef MAMORI_PROTO_PROTO_DICOM_UIDS_H
#define MAMORI_PROTO_PROTO_DICOM_UIDS_H

#include <stddef.h>
#include <stdint.h>

enum dicom_uid_kind {
    DICOM_UID_STORAGE,      /* composite object storage (PS3.4 Annex B) */
    DICOM_UID_QUERY,        /* query/retrieve information models (Annex C) */
    DICOM_UID_WORKLIST,     /* modality worklist and other worklists (Annex K) */
    DICOM_UID_MPPS,         /* modality performed procedure step (Annex F) */
    DICOM_UID_COMMITMENT,   /* storage commitment (Annex J) */
    DICOM_UID_PRINT,        /* print management (Annex H) */
    DICOM_UID_VERIFICATION, /* verification (Annex A) */
    DICOM_UID_SERVICE,      /* other services */
    DICOM_UID_TRANSFER,     /* transfer syntaxes */
    DICOM_UID_CONTEXT,      /* application context names */
};

struct dicom_uid {
    const char *uid;
    size_t uid_len;
    const char *name;
    enum dicom_uid_kind kind;
};

/* The entry at index i (0 <= i < dicom_uid_count()). */
const struct dicom_uid *dicom_uid_at(size_t i);
size_t dicom_uid_count(void);

/* Index of the UID spelled by the len bytes at s (no trailing NUL or
 * padding), or -1 when it is not in the table. */
int dicom_uid_find(const char *s, size_t len);

const char *dicom_uid_kind_name(enum dicom_uid_kind k);

#endif
