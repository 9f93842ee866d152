BEGIN TRANSACTION;
CREATE TABLE edges (
        eid INTEGER PRIMARY KEY,  -- the graph's edge key: an alias of rowid that VACUUM keeps
        key TEXT NOT NULL UNIQUE, type TEXT NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL,
        kind TEXT, valid_from TEXT, valid_to TEXT, dual_line, share_pct, data TEXT NOT NULL,
        gen INTEGER NOT NULL);
CREATE TABLE judgements (
        id TEXT PRIMARY KEY, a TEXT NOT NULL, b TEXT NOT NULL, recorded_at TEXT NOT NULL,
        ended_at TEXT, data TEXT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO "meta" VALUES('generation','1');
INSERT INTO "meta" VALUES('schema_version','5');
CREATE TABLE nodes (
        id TEXT PRIMARY KEY, label TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
        valid_from TEXT, valid_to TEXT, unresolved, members, employees, state_equity_pct, data TEXT NOT NULL, gen INTEGER NOT NULL);
INSERT INTO "nodes" VALUES('a-tj','Area','province','天津',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"a-tj","kind":"province","label":"Area","name":"天津","name_en":"Tianjin","record":"node"}',1);
INSERT INTO "nodes" VALUES('a-bj','Area','city','北京',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"a-bj","kind":"city","label":"Area","name":"北京","name_en":"BEIJING","record":"node"}',1);
INSERT INTO "nodes" VALUES('p-tj','PartyOrg','local_committee','中共天津市委员会',NULL,NULL,NULL,NULL,NULL,NULL,'{"aliases":["天津市委"],"id":"p-tj","kind":"local_committee","label":"PartyOrg","name":"中共天津市委员会","name_en":"CPC Tianjin","record":"node"}',1);
INSERT INTO "nodes" VALUES('p-sasac','PartyOrg','committee','天津市国资委党委',NULL,NULL,NULL,NULL,NULL,NULL,'{"aliases":["国资委党委","党委"],"id":"p-sasac","kind":"committee","label":"PartyOrg","name":"天津市国资委党委","record":"node"}',1);
INSERT INTO "nodes" VALUES('p-dw','PartyOrg','committee','党委',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"p-dw","kind":"committee","label":"PartyOrg","name":"党委","record":"node"}',1);
INSERT INTO "nodes" VALUES('p-dzb','PartyOrg','branch','党支部',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"p-dzb","kind":"branch","label":"PartyOrg","name":"党支部","record":"node"}',1);
INSERT INTO "nodes" VALUES('p-dzz','PartyOrg','general_branch','党总支',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"p-dzz","kind":"general_branch","label":"PartyOrg","name":"党总支","record":"node"}',1);
INSERT INTO "nodes" VALUES('p-d','PartyOrg','branch','党',NULL,NULL,NULL,NULL,NULL,NULL,'{"aliases":["党委党委","党"],"id":"p-d","kind":"branch","label":"PartyOrg","name":"党","name_en":"Party","record":"node"}',1);
INSERT INTO "nodes" VALUES('p-a','PartyOrg','branch','A 支部',NULL,NULL,NULL,NULL,NULL,NULL,'{"aliases":["A","a"],"id":"p-a","kind":"branch","label":"PartyOrg","name":"A 支部","name_en":"a branch","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-aerzte','Enterprise','foreign','ÄRZTE GmbH',NULL,NULL,NULL,NULL,NULL,NULL,'{"aliases":["ärzte"],"id":"e-aerzte","kind":"foreign","label":"Enterprise","name":"ÄRZTE GmbH","name_en":"Ärzte Ltd","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-fw','Enterprise','foreign','ＳＩＥＭＥＮＳ（中国）',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"e-fw","kind":"foreign","label":"Enterprise","name":"ＳＩＥＭＥＮＳ（中国）","name_en":"Siemens China","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-siemens','Enterprise','foreign','Siemens',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"e-siemens","kind":"foreign","label":"Enterprise","name":"Siemens","name_en":"SIEMENS AG","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-ist','Enterprise','private','İstanbul Trading',NULL,NULL,NULL,NULL,NULL,NULL,'{"aliases":["ISTANBUL"],"id":"e-ist","kind":"private","label":"Enterprise","name":"İstanbul Trading","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-odos','Enterprise','private','ΟΔΟΣ Shipping',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"e-odos","kind":"private","label":"Enterprise","name":"ΟΔΟΣ Shipping","name_en":"Odos Σ","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-strasse','Enterprise','private','STRAẞE AG',NULL,NULL,NULL,NULL,NULL,NULL,'{"aliases":["Straße AG",""],"id":"e-strasse","kind":"private","label":"Enterprise","name":"STRAẞE AG","name_en":"","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-msk','Enterprise','private','Москва Холдинг',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"e-msk","kind":"private","label":"Enterprise","name":"Москва Холдинг","name_en":"MOSCOW holding","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-q','Enterprise','private','"Quoted" AND OR NEAR* co',NULL,NULL,NULL,NULL,NULL,NULL,'{"aliases":["100% a_b\\c"],"id":"e-q","kind":"private","label":"Enterprise","name":"\"Quoted\" AND OR NEAR* co","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-astral','Enterprise','private','𠀀𠀁 公司',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"e-astral","kind":"private","label":"Enterprise","name":"𠀀𠀁 公司","name_en":"𝐀𝐁 Co","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-a','Enterprise','private','a',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"e-a","kind":"private","label":"Enterprise","name":"a","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-A','Enterprise','private','A',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"e-A","kind":"private","label":"Enterprise","name":"A","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-ab','Enterprise','mixed','ab',NULL,NULL,NULL,NULL,NULL,NULL,'{"aliases":["Ab","aB"],"id":"e-ab","kind":"mixed","label":"Enterprise","name":"ab","name_en":"AB","record":"node"}',1);
INSERT INTO "nodes" VALUES('e-dw2','Enterprise','soe','某某党委',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"e-dw2","kind":"soe","label":"Enterprise","name":"某某党委","name_en":"Some Party Committee","record":"node"}',1);
INSERT INTO "nodes" VALUES('b-org','Body','organization_dept','中共天津市委组织部',NULL,NULL,NULL,NULL,NULL,NULL,'{"id":"b-org","kind":"organization_dept","label":"Body","name":"中共天津市委组织部","name_en":"Organization Dept.","record":"node"}',1);
CREATE TABLE removed (
        eid INTEGER NOT NULL, src TEXT NOT NULL, dst TEXT NOT NULL, type TEXT NOT NULL,
        gen INTEGER NOT NULL);
CREATE TABLE snapshot (
        id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL,
        format INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE sources (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE transfers (
        id TEXT PRIMARY KEY, org TEXT NOT NULL, date TEXT, data TEXT NOT NULL);
CREATE INDEX nodes_label_kind ON nodes (label, kind);
CREATE INDEX nodes_gen ON nodes (gen);
CREATE INDEX edges_gen ON edges (gen);
CREATE INDEX edges_src ON edges (src);
CREATE INDEX edges_dst ON edges (dst);
CREATE INDEX transfers_org ON transfers (org);
CREATE INDEX removed_gen ON removed (gen);
CREATE INDEX judgements_pair ON judgements (a, b, recorded_at);
CREATE UNIQUE INDEX judgements_standing ON judgements (a, b)
        WHERE ended_at IS NULL;
COMMIT;
