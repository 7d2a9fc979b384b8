#!/usr/bin/env bash
# Wireshark must dissect what pcapgen writes as the intended protocols, with no malformed
# packets, no error-level expert items and no TCP sequence problems.
#   tshark_check.sh PCAPGEN SCRATCH_DIR
set -euo pipefail
pcapgen=$1
scratch=$2
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed: skipped"; exit 77; }

rm -rf "$scratch"
mkdir -p "$scratch"
demo=$scratch/demo.pcap
normal=$scratch/normal.pcap
"$pcapgen" -o "$demo" --seed 1 --duration 120 --behaviours all
"$pcapgen" -o "$normal" --seed 7 --duration 90

# DICOM and MLLP have no port of their own in Wireshark's defaults; the FHIR server is on 8080.
decode=(-d tcp.port==104,dicom -d tcp.port==2575,hl7 -d tcp.port==8080,http)
ts() { tshark -n -r "$@" 2>/dev/null; }

passed=0
failed=0
check() {
    local what=$1 got=$2 op=$3 want=$4
    if [ "$got" "$op" "$want" ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $what: got $got, want $op $want"
    fi
}

for f in "$demo" "$normal"; do
    name=$(basename "$f")
    ts "$f" "${decode[@]}" -T fields -e frame.protocols > "$scratch/protocols.txt"
    total=$(wc -l < "$scratch/protocols.txt")
    check "$name frames" "$total" -gt 1000
    bad=$(ts "$f" "${decode[@]}" -Y '_ws.malformed || _ws.expert.severity == error' | wc -l)
    check "$name malformed or error frames" "$bad" -eq 0
    tcpbad=$(ts "$f" "${decode[@]}" -Y 'tcp.analysis.flags && !tcp.analysis.window_update' | wc -l)
    check "$name TCP analysis problems" "$tcpbad" -eq 0
    for p in dicom hl7 tls smb2 dns dhcp ntp http arp mdns ipp icmp; do
        n=$(grep -c -E "(^|:)$p(:|$)" "$scratch/protocols.txt" || true)
        check "$name frames dissected as $p" "$n" -gt 0
    done
done

# Behaviours that only the demo has.
ts "$demo" "${decode[@]}" -T fields -e frame.protocols > "$scratch/protocols.txt"
for p in smb rdp telnet ssh; do
    n=$(grep -c -E "(^|:)$p(:|$)" "$scratch/protocols.txt" || true)
    check "demo frames dissected as $p" "$n" -gt 0
done

count() { ts "$demo" "${decode[@]}" -Y "$1" | wc -l; }
# DICOM: association set-up with the PACS, stores split over several PDUs, C-FIND, C-MOVE,
# release, rejection.
check "A-ASSOCIATE-RQ" "$(count 'dicom.pdu.type == 1')" -gt 10
check "A-ASSOCIATE-AC" "$(count 'dicom.pdu.type == 2')" -gt 10
check "A-ASSOCIATE-RJ" "$(count 'dicom.pdu.type == 3')" -ge 16
check "A-RELEASE-RP" "$(count 'dicom.pdu.type == 6')" -gt 10
ts "$demo" "${decode[@]}" -T fields -e _ws.col.Info > "$scratch/info.txt"
info() { grep -c -F -- "$1" "$scratch/info.txt" || true; }
for c in C-ECHO-RQ C-ECHO-RSP C-STORE-RQ C-STORE-RSP C-FIND-RQ C-FIND-RSP C-MOVE-RQ C-MOVE-RSP; do
    check "DICOM $c" "$(info "$c")" -gt 0
done
check "calling AE CT_ROOM1" "$(count 'dicom.assoc.item.type == 0x10 && frame contains "CT_ROOM1"')" -gt 0
check "unknown AE ANY-SCU" "$(count 'dicom.pdu.type == 1 && frame contains "ANY-SCU"')" -gt 0
# HL7: each kind of message, ACKs, and pipelined messages reassembled from one segment.
for m in 'ADT (A01)' 'ADT (A04)' 'ADT (A08)' 'ORM (O01)' 'ORU (R01)' 'ACK (A01)' 'ACK (R01)'; do
    check "HL7 $m" "$(info "$m")" -gt 0
done
check "HL7 two messages in one segment" "$(grep -c -E 'ORU \(R01\), ORU|ADT \(A0.\), ADT|ORM \(O01\), ORM' "$scratch/info.txt" || true)" -gt 0
# TLS: SNI, the internal certificate, TLS 1.3 to the outside.
check "TLS SNI" "$(count 'tls.handshake.extensions_server_name contains "hospital.example"')" -gt 0
check "TLS certificate" "$(count 'tls.handshake.type == 11')" -gt 0
check "TLS 1.3" "$(count 'tls.handshake.extensions.supported_version == 0x0304 && tls.handshake.type == 2')" -gt 0
# SMB2 session with NTLMSSP and file reads, SMB1 negotiate.
check "SMB2 NTLMSSP auth" "$(count 'ntlmssp.messagetype == 3')" -gt 0
check "SMB2 READ response" "$(count 'smb2.cmd == 8 && smb2.flags.response == 1')" -gt 0
check "SMB1 NT LM 0.12" "$(count 'smb.cmd == 0x72')" -ge 2
check "RDP cookie" "$(count 'rdp.rt_cookie contains "mstshash"')" -gt 0
check "DNS TXT tunnel" "$(count 'dns.qry.type == 16 && dns.qry.name contains "cdn-sync.example"')" -gt 10
check "DHCP FQDN option" "$(count 'dhcp.option.type == 81')" -gt 0
check "mDNS over IPv6" "$(count 'mdns && ipv6')" -gt 0
check "FHIR JSON" "$(count 'http.content_type contains "fhir+json"')" -gt 0
# The behaviours of obsolete or misused protocols, as Wireshark reads them.
check "SSH old server banner" "$(count 'ssh.protocol == "SSH-2.0-OpenSSH_5.3"')" -eq 1
check "SSH KEXINIT both ways" "$(count 'ssh.message_code == 20')" -eq 2
check "SSH server offers arcfour" "$(count 'ssh.encryption_algorithms_server_to_client contains "arcfour"')" -eq 1
check "SSH DH reply" "$(count 'ssh.message_code == 31')" -eq 1
check "TLS 1.0 ClientHello" "$(count 'tls.handshake.type == 1 && tls.handshake.version == 0x0301')" -eq 1
check "TLS 1.0 ServerHello" "$(count 'tls.handshake.type == 2 && tls.handshake.version == 0x0301')" -eq 1
check "HTTP Basic to the printer" "$(count 'http.authbasic contains "admin"')" -ge 1
check "FHIR with HTTP Basic" "$(count 'http.authorization && tcp.port == 8080')" -ge 1
check "SQL injection in a URL" "$(count 'http.request.uri contains "UNION%20SELECT"')" -eq 1
check "XSS in a URL" "$(count 'http.request.uri contains "%3Cscript%3E"')" -eq 1
check "executable download" "$(count 'http.content_type == "application/x-msdownload"')" -eq 1
check "DICOM to the teleradiology service" "$(count 'dicom.pdu.type == 1 && ip.dst == 203.0.113.70')" -eq 1
check "DICOM as CT_ROOM1 from ws-tmp17" "$(count 'dicom.pdu.type == 1 && ip.src == 10.50.0.117 && frame contains "CT_ROOM1"')" -eq 1
check "HL7 ORM to the CT console" "$(count 'hl7 && ip.dst == 10.20.1.11')" -ge 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
