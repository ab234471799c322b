/*
** The SQLite of the wasm module: the amalgamation, compiled without features the engine
** never uses (CMakeLists.txt: EDGESTAY_SQLITE_WASM_OMITS), for size.
**
** The amalgamation's parser is generated with every feature in, so its grammar actions
** still call the entry points of the SQLITE_OMIT_ANALYZE / _REINDEX / _VIRTUALTABLE
** (and the ALTER TABLE it implies) / _TRIGGER / _VIEW features; SQLite's canonical sources
** would regenerate the parser without those rules. Here they are stubs that fail the
** statement ("... is not available in this build") and free what the grammar handed
** them, so such a statement is an error, as it is for a parser built without the rule.
*/
#ifdef SQLITE_OMIT_TRIGGER
/* sqlite3.c declares the trigger entry points only with triggers in; the parser calls
** them either way, so declare the stubs below before it does. */
typedef struct Parse Parse;
typedef struct Token Token;
typedef struct IdList IdList;
typedef struct SrcList SrcList;
typedef struct Expr Expr;
typedef struct ExprList ExprList;
typedef struct Select Select;
typedef struct Upsert Upsert;
typedef struct TriggerStep TriggerStep;
typedef struct sqlite3 sqlite3;
static void sqlite3BeginTrigger(Parse*, Token*, Token*, int, int, IdList*, SrcList*, Expr*, int, int);
static void sqlite3FinishTrigger(Parse*, TriggerStep*, Token*);
static void sqlite3DropTrigger(Parse*, SrcList*, int);
static void sqlite3DeleteTriggerStep(sqlite3*, TriggerStep*);
static TriggerStep *sqlite3TriggerSelectStep(sqlite3*, Select*, const char*, const char*);
static TriggerStep *sqlite3TriggerInsertStep(Parse*, Token*, IdList*, Select*, unsigned char, Upsert*,
                                             const char*, const char*);
static TriggerStep *sqlite3TriggerUpdateStep(Parse*, Token*, SrcList*, ExprList*, Expr*, unsigned char,
                                             const char*, const char*);
static TriggerStep *sqlite3TriggerDeleteStep(Parse*, Token*, Expr*, const char*, const char*);
#endif

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

#ifdef SQLITE_OMIT_VIEW
static void sqlite3CreateView(Parse *pParse, Token *pBegin, Token *pName1, Token *pName2, ExprList *pCNames,
                              Select *pSelect, int isTemp, int noErr){
  (void)pBegin; (void)pName1; (void)pName2; (void)isTemp; (void)noErr;
  sqlite3ExprListDelete(pParse->db, pCNames);
  sqlite3SelectDelete(pParse->db, pSelect);
  edgestayNotAvailable(pParse, "CREATE VIEW");
}
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

#ifdef SQLITE_OMIT_TRIGGER
/* CREATE TRIGGER fails (so does opening an image that holds a trigger: its schema cannot
** be read); the step builders free what the grammar handed them and build nothing. */
static void sqlite3BeginTrigger(Parse *pParse, Token *pName1, Token *pName2, int tr_tm, int op, IdList *pColumns,
                                SrcList *pTableName, Expr *pWhen, int isTemp, int noErr){
  (void)pName1; (void)pName2; (void)tr_tm; (void)op; (void)isTemp; (void)noErr;
  sqlite3IdListDelete(pParse->db, pColumns);
  sqlite3SrcListDelete(pParse->db, pTableName);
  sqlite3ExprDelete(pParse->db, pWhen);
  edgestayNotAvailable(pParse, "CREATE TRIGGER");
}
static void sqlite3FinishTrigger(Parse *pParse, TriggerStep *pStepList, Token *pAll){
  (void)pParse; (void)pStepList; (void)pAll;
}
static void sqlite3DropTrigger(Parse *pParse, SrcList *pName, int noErr){
  (void)noErr;
  sqlite3SrcListDelete(pParse->db, pName);
  edgestayNotAvailable(pParse, "DROP TRIGGER");
}
static void sqlite3DeleteTriggerStep(sqlite3 *db, TriggerStep *pStep){ (void)db; (void)pStep; }
static TriggerStep *sqlite3TriggerSelectStep(sqlite3 *db, Select *pSelect, const char *zStart, const char *zEnd){
  (void)zStart; (void)zEnd;
  sqlite3SelectDelete(db, pSelect);
  return 0;
}
static TriggerStep *sqlite3TriggerInsertStep(Parse *pParse, Token *pTableName, IdList *pColumn, Select *pSelect,
                                             unsigned char orconf, Upsert *pUpsert, const char *zStart,
                                             const char *zEnd){
  (void)pTableName; (void)orconf; (void)zStart; (void)zEnd;
  sqlite3IdListDelete(pParse->db, pColumn);
  sqlite3SelectDelete(pParse->db, pSelect);
  sqlite3UpsertDelete(pParse->db, pUpsert);
  return 0;
}
static TriggerStep *sqlite3TriggerUpdateStep(Parse *pParse, Token *pTableName, SrcList *pFrom, ExprList *pEList,
                                             Expr *pWhere, unsigned char orconf, const char *zStart,
                                             const char *zEnd){
  (void)pTableName; (void)orconf; (void)zStart; (void)zEnd;
  sqlite3SrcListDelete(pParse->db, pFrom);
  sqlite3ExprListDelete(pParse->db, pEList);
  sqlite3ExprDelete(pParse->db, pWhere);
  return 0;
}
static TriggerStep *sqlite3TriggerDeleteStep(Parse *pParse, Token *pTableName, Expr *pWhere, const char *zStart,
                                             const char *zEnd){
  (void)pTableName; (void)zStart; (void)zEnd;
  sqlite3ExprDelete(pParse->db, pWhere);
  return 0;
}
#endif
