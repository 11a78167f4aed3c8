/*
 * The cheapest milter that does what scriptlet's does with the example
 * policy: it takes the same events (the header and body, to have the
 * message; no reply asked for the events the example leaves empty) and
 * decides nothing. Built on Sendmail's own libmilter (Debian's
 * libmilter-dev), it is the floor of any filter that reads the message:
 * what Postfix pays to talk the protocol, plus the least a filter can add.
 *
 *   cc -O2 -o null-milter null-milter.c -lmilter -lpthread
 *   ./null-milter inet:PORT@127.0.0.1
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sfsistat on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr) { return SMFIS_CONTINUE; }
static sfsistat on_helo(SMFICTX *ctx, char *helo) { return SMFIS_NOREPLY; }
static sfsistat on_envfrom(SMFICTX *ctx, char **argv) { return SMFIS_CONTINUE; }
static sfsistat on_envrcpt(SMFICTX *ctx, char **argv) { return SMFIS_NOREPLY; }
static sfsistat on_header(SMFICTX *ctx, char *name, char *value) { return SMFIS_NOREPLY; }
static sfsistat on_eoh(SMFICTX *ctx) { return SMFIS_NOREPLY; }
static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len) { return SMFIS_NOREPLY; }
static sfsistat on_eom(SMFICTX *ctx) { return SMFIS_CONTINUE; }

/* The steps scriptlet's milter negotiates for the example policy (src/milter/milter-session.ts). */
static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
                             unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3) {
  unsigned long wanted = SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_DATA |
                         SMFIP_NR_UNKN | SMFIP_NR_HELO | SMFIP_NR_RCPT | SMFIP_HDR_LEADSPC;
  *pf0 = 0;
  *pf1 = f1 & wanted;
  *pf2 = 0;
  *pf3 = 0;
  return SMFIS_CONTINUE;
}

int main(int argc, char **argv) {
  struct smfiDesc desc;
  memset(&desc, 0, sizeof desc);
  desc.xxfi_name = "null";
  desc.xxfi_version = SMFI_VERSION;
  desc.xxfi_connect = on_connect;
  desc.xxfi_helo = on_helo;
  desc.xxfi_envfrom = on_envfrom;
  desc.xxfi_envrcpt = on_envrcpt;
  desc.xxfi_header = on_header;
  desc.xxfi_eoh = on_eoh;
  desc.xxfi_body = on_body;
  desc.xxfi_eom = on_eom;
  desc.xxfi_negotiate = on_negotiate;
  if (argc != 2) {
    fprintf(stderr, "usage: %s inet:PORT@127.0.0.1\n", argv[0]);
    return 2;
  }
  if (smfi_setconn(argv[1]) == MI_FAILURE || smfi_register(desc) == MI_FAILURE) {
    fprintf(stderr, "null-milter: cannot listen on %s\n", argv[1]);
    return 1;
  }
  fprintf(stderr, "null milter listening on %s\n", argv[1]);
  return smfi_main() == MI_SUCCESS ? 0 : 1;
}
