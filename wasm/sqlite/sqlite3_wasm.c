/*
** The SQLite of the wasm module: the amalgamation, compiled without features the engine
** never uses (CMakeLists.txt: EDGESTAY_SQLITE_WASM_OMITS), for size.
**
** The amalgamation's parser is generated with every feature in, so its grammar actions
** still call the entry points of the SQLITE_OMIT_ANALYZE / _REINDEX / _VIRTUALTABLE
** (and the ALTER TABLE it implies) features; SQLite's canonical sources
** would regenerate the parser without those rules. Here they are stubs that fail the
** statement ("... is not available in this build") and free what the grammar handed
** them, so such a statement is an error, as it is for a parser built without the rule.
*/
#include "sqlite3.c"

static void edgestayNotAvailable(Parse *pParse, const char *zWhat){
  sqlite3ErrorMsg(pParse, "%s is not available in this build", zWhat);
}

#ifdef SQLITE_OMIT_ANALYZE
static void sqlite3Analyze(Parse *pParse, Token *pName1, Token *pName2){
  (void)pName1; (void)pName2;
  edgestayNotAvailable(pParse, "ANALYZE");
}
#endif

#ifdef SQLITE_OMIT_REINDEX
static void sqlite3Reindex(Parse *pParse, Token *pName1, Token *pName2){
  (void)pName1; (void)pName2;
  edgestayNotAvailable(pParse, "REINDEX");
}
#endif

#ifdef SQLITE_OMIT_VIRTUALTABLE
static void sqlite3VtabBeginParse(Parse *pParse, Token *pName1, Token *pName2, Token *pModuleName, int ifNotExists){
  (void)pName1; (void)pName2; (void)pModuleName; (void)ifNotExists;
  edgestayNotAvailable(pParse, "CREATE VIRTUAL TABLE");
}
static void sqlite3VtabFinishParse(Parse *pParse, Token *pEnd){ (void)pParse; (void)pEnd; }
static void sqlite3VtabArgInit(Parse *pParse){ (void)pParse; }
static void sqlite3VtabArgExtend(Parse *pParse, Token *p){ (void)pParse; (void)p; }
#endif

#ifdef SQLITE_OMIT_ALTERTABLE
static void sqlite3AlterRenameTable(Parse *pParse, SrcList *pSrc, Token *pName){
  (void)pName;
  sqlite3SrcListDelete(pParse->db, pSrc);
  edgestayNotAvailable(pParse, "ALTER TABLE");
}
static void sqlite3AlterBeginAddColumn(Parse *pParse, SrcList *pSrc){
  sqlite3SrcListDelete(pParse->db, pSrc);
  edgestayNotAvailable(pParse, "ALTER TABLE");
}
static void sqlite3AlterFinishAddColumn(Parse *pParse, Token *pColDef){ (void)pParse; (void)pColDef; }
static void sqlite3AlterDropColumn(Parse *pParse, SrcList *pSrc, const Token *pName){
  (void)pName;
  sqlite3SrcListDelete(pParse->db, pSrc);
  edgestayNotAvailable(pParse, "ALTER TABLE");
}
static void sqlite3AlterRenameColumn(Parse *pParse, SrcList *pSrc, Token *pOld, Token *pNew){
  (void)pOld; (void)pNew;
  sqlite3SrcListDelete(pParse->db, pSrc);
  edgestayNotAvailable(pParse, "ALTER TABLE");
}
#endif
