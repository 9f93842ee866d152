// Lint Cypher texts with Neo4j's own linter, @neo4j-cypher/language-support (the engine of
// the Neo4j VS Code extension and of the Browser's editor), against a database schema.
//
//   node tools/cypher-lint/lint.mjs < request.json > answer.json
//
// request: {"schema": DbSchema, "statements": [{"id": "...", "cypher": "...",
//           "parameters": ["as_of", ...]}]}
//   DbSchema is the linter's own (labels, relationshipTypes, propertyKeys, graphSchema …);
//   each statement's parameters are declared to the linter for that statement alone, so a
//   parameter the statement uses but does not declare is reported.
// answer:  {"linter": {"name", "version"}, "results": [{"id", "diagnostics": [{"severity",
//           "message", "line", "column", "offset"}]}]}
//   severity is "error", "warning", "information" or "hint" (deprecations are warnings).
//
// tests/test_cypher_lint.py builds the request from the project's Cypher and the schema
// declaration; `make install-cypher-lint` (run by `make test`) installs the pinned linter.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { lintCypherQuery } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
const PACKAGE = '@neo4j-cypher/language-support';

function linterVersion() {
  const require = createRequire(import.meta.url);
  const main = require.resolve(PACKAGE);
  const root = main.slice(0, main.lastIndexOf('/dist/'));
  return JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).version;
}

const request = JSON.parse(readFileSync(0, 'utf8'));
const results = request.statements.map(({ id, cypher, parameters = [] }) => {
  const schema = {
    ...request.schema,
    parameters: Object.fromEntries(parameters.map((name) => [name, null])),
  };
  const { diagnostics } = lintCypherQuery(cypher, schema);
  return {
    id,
    diagnostics: diagnostics.map((d) => ({
      severity: SEVERITY[d.severity] ?? String(d.severity),
      message: d.message,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      offset: d.offsets.start,
    })),
  };
});
process.stdout.write(
  JSON.stringify({ linter: { name: PACKAGE, version: linterVersion() }, results }),
);
