/*
 * SMB over TCP (direct-hosted on 445, or NetBIOS session service on 139):
 * one `smb` record per connection saying which SMB is in use (1, 2 or 3),
 * the dialects the client offered and the one the server chose, and the
 * commands seen.
 *
 * Only message headers and NEGOTIATE bodies are read. File names, share
 * names, user names and file contents are skipped unread: nothing the
 * users of the file server wrote or read leaves the parser.
 */
#ifndef MAMORI_PROTO_PROTO_SMB_H
#define MAMORI_PROTO_PROTO_SMB_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/proto.h"

#define SMB_MAX_DIALECTS 16 /* dialects offered, listed per connection */
#define SMB_DIALECT_MAX 32  /* one SMB1 dialect string ("NT LM 0.12"), cut beyond */

enum smb_event_kind {
    SMB_EV_SESSION = 0, /* struct smb_session_event: written as a record, at the end */
};

struct smb_session_event {
    uint64_t ts_us;  /* first SMB message */
    uint8_t version; /* 1, 2 or 3: SMB in use (see proto_smb.c); 0 none seen */
    /* The dialect the server chose: SMB1 string or SMB2 revision. */
    bool negotiated;
    char dialect[SMB_DIALECT_MAX];
    uint8_t n_offered;
    bool offered_truncated;
    char offered[SMB_MAX_DIALECTS][SMB_DIALECT_MAX];
    /* Commands seen, one bit per command code of each version. */
    uint64_t smb1_cmds[4];
    uint32_t smb2_cmds;
    uint32_t messages[2];   /* SMB messages per direction (enum flow_dir) */
    uint32_t smb1_messages; /* of them, SMB1 */
    uint32_t smb2_messages; /* SMB2/3 in clear */
    uint32_t encrypted;     /* SMB3 transform (encrypted) messages */
    uint32_t compressed;    /* SMB3.1.1 compression transform messages */
    uint32_t errors;        /* responses with an error status (NT status severity 3) */
    bool signed_seen;       /* an SMB2 message carried a signature (flag set) */
    bool netbios_session;   /* began with a NetBIOS session request (port 139) */
    bool truncated;         /* a gap or bytes that were not SMB */
};

/* Name of an SMB2 dialect revision ("3.1.1"), or NULL if unknown. */
const char *smb2_dialect_name(uint16_t revision);

/* Name of a command of SMB version 1 or 2 ("NEGOTIATE", "READ_ANDX"), or
 * NULL if unknown. Static strings. */
const char *smb_command_name(unsigned version, unsigned cmd);
/* Whether ev saw an SMB1 command of that name. */
bool smb1_has_name(const struct smb_session_event *ev, const char *name);

extern const struct proto_parser proto_smb;

#endif
