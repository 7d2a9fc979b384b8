/*
 * A device's type and role from its evidence, by one table (the rows of
 * asset_classify.c, documented in docs/assets.md): the first row whose
 * condition holds decides, and the entry keeps which row and what it saw
 * (asset.evidence). Rows come in order of how telling the evidence is:
 * SOP classes sent or accepted, then AE title patterns, then protocols
 * served and used, then the MAC vendor.
 *
 *   type        subtype examples      decided by
 *   modality    CT MR US CR DX MG ... image storage SOP classes it sends, AE titles
 *   pacs                              storage accepted as SCP, query/retrieve served
 *   workstation DICOM viewer, PC      query/retrieve used, web/SMB/RDP clients
 *   hl7         interface engine, HL7 server, HL7 sender
 *   medical     lab analyzer, patient monitoring (by maker)
 *   printer                           IPP/LPD/9100 served, printer vendors
 *   network     router, switch        many addresses behind one MAC, SNMP, vendors
 *   building    BACnet, Modbus, KNX   building automation protocols
 *   server      DNS, directory, NTP, file, web
 *   unknown
 */
#ifndef MAMORI_ASSET_ASSET_CLASSIFY_H
#define MAMORI_ASSET_ASSET_CLASSIFY_H

#include <stddef.h>

#include "asset/asset_table.h"

/* Sets a->type, subtype, role and evidence. Returns true when the type
 * changed. */
bool asset_classify(struct asset *a);

/* The table's rows, for docs and tests: row i's type, subtype and a
 * description of its condition. Returns false past the last row. */
bool asset_classify_row(size_t i, const char **type, const char **subtype, const char **cond);

#endif
